import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import {
  BUNDLE_MANIFEST,
  NETWORK_DIAGRAM,
  packageFolders,
  pathInside,
  readProvenance,
  removeInside,
  renderEnvironmentIndex,
  renderManifestFile,
  sameContent,
  type PackageProvenance,
} from '@b2connect/k8s-lib';
import type { PublishRequest, PublishResult } from './types';

export interface GitOpsTarget {
  /** Repository the driver clones and pushes to: a local path or a URL git can push to. */
  readonly repository: string;
  readonly branch: string;
  /** Folder of the environment in the repository (relative; the environment schema refuses anything else). */
  readonly path: string;
}

const AUTHOR = { name: 'b2connect-deploy', email: 'deploy@b2connect.com' };

/** What one publish changes in the environment's folder of the repository. */
export interface GitOpsChange {
  readonly envName: string;
  /** Packages whose folder this publish replaces, with the provenance it writes. */
  readonly changed: readonly { readonly name: string; readonly provenance: PackageProvenance }[];
  /** Package folders removed: no longer packages of the commit. */
  readonly pruned: readonly string[];
}

/** Commit message: what changed, and from where, one line per package. */
export function commitMessage(change: GitOpsChange): string {
  const names = [...change.changed.map((c) => c.name), ...change.pruned];
  const what = names.length === 0 ? 'environment index' : names.length === 1 ? names[0] : `${names.length} packages`;
  const lines = [
    ...change.changed.map(({ name, provenance: p }) => {
      const from = p.commit ? ` from ${p.commit}${p.uncommitted ? ` with uncommitted changes ${p.uncommitted.slice(0, 19)}` : ''}` : '';
      return `- ${name} ${p.version} ${p.contentHash.slice(0, 19)}${from} (k8s-lib ${p.k8sLib})`;
    }),
    ...change.pruned.map((name) => `- ${name}: pruned (no longer a package of the commit)`),
  ];
  return [`deploy(${change.envName}): ${what}`, '', ...lines].join('\n');
}

/**
 * Publishes into the GitOps repository that Argo CD or Flux watch, as a function of the commit: the
 * packages this deploy built replace their folders (unless the repository already holds the same
 * content, whose provenance it keeps), folders of packages the commit no longer has are pruned, every
 * other package stays exactly as the repository has it, and the environment index and bundle.json
 * list every package of the commit. Refuses when a package of the commit is neither built nor in the
 * repository (the index would name a missing folder). No commit when nothing changed; with `dryRun`
 * nothing is pushed. Every delete stays inside the environment's folder of the clone.
 */
export async function publishGitOps(req: PublishRequest, target: GitOpsTarget): Promise<PublishResult> {
  const log = req.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'b2c-gitops-'));
  try {
    const git = simpleGit();
    log(`cloning ${target.repository} (${target.branch})`);
    const remoteBranches = await git.listRemote(['--heads', target.repository, target.branch]);
    if (remoteBranches.trim()) {
      await git.clone(target.repository, work, ['--branch', target.branch, '--single-branch', '--depth', '1']);
    } else {
      await git.clone(target.repository, work);
      await simpleGit(work).checkout(['--orphan', target.branch]);
    }
    const repo = simpleGit(work);
    await repo.addConfig('user.name', AUTHOR.name).addConfig('user.email', AUTHOR.email);
    if (target.path.split('/')[0] === '.git')
      throw new Error(`delivery.gitops.path "${target.path}" points into the repository's .git folder`);
    const envDir = pathInside(work, target.path);

    const ofCommit = new Set(req.workspace.map((w) => w.name));
    const pruned = packageFolders(envDir).filter((name) => !ofCommit.has(name));
    for (const name of pruned) removeInside(envDir, name);

    const entries: Record<string, PackageProvenance> = {};
    const changed: GitOpsChange['changed'][number][] = [];
    for (const name of req.packages) {
      const built = req.manifest.packages[name];
      if (!built) throw new Error(`${name} has no provenance in ${join(req.bundleDir, name)}: this run did not build it`);
      const published = readProvenance(join(envDir, name));
      if (published && sameContent(published, built)) {
        // Same content: the repository keeps the folder and the commit it was first published from.
        entries[name] = published;
        continue;
      }
      mkdirSync(envDir, { recursive: true });
      removeInside(envDir, name);
      cpSync(join(req.bundleDir, name), pathInside(envDir, name), {
        recursive: true,
        filter: (src) => !src.split(/[\\/]/).pop()!.startsWith('.'),
      });
      entries[name] = built;
      changed.push({ name, provenance: built });
    }
    const missing: string[] = [];
    for (const { name } of req.workspace) {
      if (entries[name]) continue;
      const kept = readProvenance(join(envDir, name));
      if (kept) entries[name] = kept;
      else missing.push(name);
    }
    if (missing.length > 0) {
      throw new Error(
        `the GitOps repository has no bundle of ${missing.join(', ')} in ${target.branch}:${target.path}, and this deploy did not build ` +
          `${missing.length === 1 ? 'it' : 'them'}: the environment index would name missing folders. ` +
          `Deploy every package once: npx nx run-many -t deploy -c ${req.envName} --driver=gitops`,
      );
    }
    mkdirSync(envDir, { recursive: true });
    for (const [file, content] of renderEnvironmentIndex([...ofCommit])) writeFileSync(join(envDir, file), content);
    writeFileSync(join(envDir, BUNDLE_MANIFEST), renderManifestFile(req.envName, entries));
    const diagram = join(req.bundleDir, NETWORK_DIAGRAM);
    if (req.index && existsSync(diagram)) cpSync(diagram, join(envDir, NETWORK_DIAGRAM));

    await repo.add(['-A', '--', target.path]);
    const status = await repo.status();
    const where = `${target.repository} ${target.branch}:${target.path}`;
    const counts = `${changed.length} package(s) changed, ${req.packages.length - changed.length} unchanged${pruned.length ? `, ${pruned.length} pruned` : ''}`;
    log(counts);
    if (status.isClean()) return { changed: false, summary: `gitops: ${where} already up to date, no commit`, pruned };
    const files = status.files.length;
    if (req.dryRun)
      return { changed: true, summary: `gitops (dry run): would commit ${files} changed file(s) to ${where} (${counts})`, pruned };
    const commit = await repo.commit(commitMessage({ envName: req.envName, changed, pruned }));
    log(`pushing ${commit.commit} to ${target.repository}`);
    await repo.push('origin', target.branch);
    return { changed: true, summary: `gitops: committed ${commit.commit} (${files} file(s); ${counts}) to ${where}`, pruned };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
