import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { simpleGit } from 'simple-git';
import {
  BUNDLE_MANIFEST,
  contentHash,
  KUSTOMIZATION,
  MANIFESTS,
  NETWORK_DIAGRAM,
  packageFolders,
  pathInside,
  readProvenance,
  removeInside,
  renderEnvironmentIndex,
  renderManifestFile,
  provenanceAnnotations,
  renderPackageKustomization,
  sameContent,
  toYaml,
  type PackageProvenance,
} from '@b2connect/k8s-lib/pipeline';
import { retainedManifests } from './retention';
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
  // The repository may move on between the clone and the push (another environment, another CI
  // job): the publish is computed again from the new state, a few times at most.
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishOnce(req, target);
    } catch (e) {
      if (!(e instanceof RepositoryMovedOn) || attempt === PUSH_ATTEMPTS) throw e;
      req.log?.(`${target.branch} moved on while publishing; publishing again (attempt ${attempt + 1} of ${PUSH_ATTEMPTS})`);
    }
  }
}

const PUSH_ATTEMPTS = 3;

/**
 * Whether a published package folder is exactly what a deploy wrote: its manifests still hash to the
 * recorded content, it holds the files the built folder holds and no other, and those beside the
 * manifests and the kustomization (the canary picture) are the built ones. A hand edit in the
 * repository is then replaced.
 */
function untouched(dir: string, builtDir: string, built: PackageProvenance): boolean {
  // The kept config versions are the repository's own (writeRetained), never the build's.
  const files = readdirSync(dir)
    .filter((f) => f !== RETAINED)
    .sort();
  const expected = readdirSync(builtDir)
    .filter((f) => !f.startsWith('.'))
    .sort();
  if (files.join('/') !== expected.join('/') || !files.includes(KUSTOMIZATION) || !files.includes(MANIFESTS)) return false;
  const others = files.filter((f) => f !== KUSTOMIZATION && f !== MANIFESTS);
  if (others.some((f) => readFileSync(join(dir, f), 'utf8') !== readFileSync(join(builtDir, f), 'utf8'))) return false;
  return contentHash(readFileSync(join(dir, MANIFESTS), 'utf8')) === built.contentHash;
}

/**
 * The previous versions of a package's content-named configs the repository keeps for rollback
 * (retention.ts), beside its manifests.yaml and listed in its kustomization.yaml. Argo CD and Flux
 * prune a version once a later deploy leaves it out of this file.
 */
export const RETAINED = 'retained.yaml';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read field by field
type Manifest = Record<string, any>;

function manifestsIn(file: string): Manifest[] {
  return existsSync(file) ? (loadAll(readFileSync(file, 'utf8')) as (Manifest | null)[]).filter((o): o is Manifest => o !== null) : [];
}

/**
 * Writes the config versions to keep into the package folder `dir` just replaced by the build: from
 * what the repository had (`previous`) and what the build holds; lists the file in the kustomization.
 */
function writeRetained(dir: string, previous: readonly Manifest[]): number {
  const kept = retainedManifests(previous, manifestsIn(join(dir, MANIFESTS)));
  if (kept.length === 0) return 0;
  const header = '# Previous versions of the configs above, kept for rollback (docs/decisions/014). Written by b2connect-deploy.\n';
  writeFileSync(join(dir, RETAINED), header + kept.map((o) => `---\n${toYaml(o)}`).join(''));
  const kustomization = load(readFileSync(join(dir, KUSTOMIZATION), 'utf8')) as { resources?: string[] };
  kustomization.resources = [...(kustomization.resources ?? []), RETAINED];
  writeFileSync(join(dir, KUSTOMIZATION), toYaml(kustomization));
  return kept.length;
}

/**
 * The manifests to publish for a slotted package: the built objects of every namespace but the live
 * slot's, and the live slot's objects as the repository has them (in the built order where the build
 * has the same object, the others after). Undefined when the repository has nothing of the live slot
 * yet (the first deploy with slots publishes the build whole).
 */
function keepLiveSlot(publishedFile: string, builtFile: string, liveNamespace: string): string | undefined {
  const live = manifestsIn(publishedFile).filter((o) => o.metadata?.namespace === liveNamespace);
  if (live.length === 0) return undefined;
  const text = readFileSync(builtFile, 'utf8');
  const header = text.slice(0, text.indexOf('---'));
  const id = (o: Manifest) => `${o.apiVersion}/${o.kind}/${o.metadata?.name}`;
  const previous = new Map(live.map((o) => [id(o), o]));
  const used = new Set<string>();
  const objects = manifestsIn(builtFile).flatMap((o) => {
    if (o.metadata?.namespace !== liveNamespace) return [o];
    const kept = previous.get(id(o));
    if (!kept) return [];
    used.add(id(o));
    return [kept];
  });
  objects.push(...live.filter((o) => !used.has(id(o))));
  return header + objects.map((o) => `---\n${toYaml(o)}`).join('');
}

/**
 * Refuses an environment folder that holds, or lies inside, another environment's bundle (paths of
 * two environments nested in one repository): publishing would prune or overwrite the other one.
 */
function refuseOverlap(envDir: string, envName: string, path: string): void {
  const owner = (dir: string) => {
    try {
      return (JSON.parse(readFileSync(join(dir, BUNDLE_MANIFEST), 'utf8')) as { environment?: string }).environment;
    } catch {
      return undefined;
    }
  };
  const here = owner(envDir);
  if (here !== undefined && here !== envName) {
    throw new Error(`delivery.gitops.path "${path}" holds the bundle of environment ${here}: each environment needs its own folder`);
  }
  if (!existsSync(envDir)) return;
  for (const entry of readdirSync(envDir, { withFileTypes: true })) {
    const inner = entry.isDirectory() ? owner(join(envDir, entry.name)) : undefined;
    if (inner !== undefined) {
      throw new Error(
        `delivery.gitops.path "${path}" contains the bundle of environment ${inner} (${entry.name}/): the paths of two environments overlap`,
      );
    }
  }
}

/** The push was refused because the branch has commits the clone did not have. */
class RepositoryMovedOn extends Error {}

async function publishOnce(req: PublishRequest, target: GitOpsTarget): Promise<PublishResult> {
  const log = req.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'b2c-gitops-'));
  try {
    const git = simpleGit();
    log(`cloning ${target.repository} (${target.branch})`);
    const remoteBranches = await git.listRemote(['--heads', target.repository, target.branch]);
    if (remoteBranches.trim()) {
      await git.clone(target.repository, work, ['--branch', target.branch, '--single-branch', '--depth', '1']);
    } else {
      // A new branch starts empty: nothing of the default branch's tree is published with it.
      await git.clone(target.repository, work, ['--no-checkout']);
      await simpleGit(work).raw(['switch', '--orphan', target.branch]);
    }
    const repo = simpleGit(work);
    await repo.addConfig('user.name', AUTHOR.name).addConfig('user.email', AUTHOR.email);
    if (target.path.split('/').some((segment) => segment.toLowerCase() === '.git')) {
      throw new Error(`delivery.gitops.path "${target.path}" points into the repository's .git folder`);
    }
    const envDir = pathInside(work, target.path);
    refuseOverlap(envDir, req.envName, target.path);

    const ofCommit = new Set(req.workspace.map((w) => w.name));
    // Only folders a deploy wrote (they carry provenance) are pruned: anything else there is not ours.
    const pruned = packageFolders(envDir).filter((name) => !ofCommit.has(name) && readProvenance(join(envDir, name)) !== undefined);
    for (const name of pruned) removeInside(envDir, name);

    const entries: Record<string, PackageProvenance> = {};
    const changed: GitOpsChange['changed'][number][] = [];
    for (const name of req.packages) {
      const fromBuild = req.manifest.packages[name];
      if (!fromBuild) throw new Error(`${name} has no provenance in ${join(req.bundleDir, name)}: this run did not build it`);
      // Blue-green: the live slot keeps what the repository has; the build goes to the idle slot.
      const pinned = req.slots?.packages.includes(name)
        ? keepLiveSlot(join(envDir, name, MANIFESTS), join(req.bundleDir, name, MANIFESTS), req.slots.liveNamespace)
        : undefined;
      const built = pinned ? { ...fromBuild, contentHash: contentHash(pinned) } : fromBuild;
      const published = readProvenance(join(envDir, name));
      if (published && sameContent(published, built) && untouched(join(envDir, name), join(req.bundleDir, name), built)) {
        // Same content: the repository keeps the folder and the commit it was first published from.
        entries[name] = published;
        continue;
      }
      mkdirSync(envDir, { recursive: true });
      const previous = [...manifestsIn(join(envDir, name, MANIFESTS)), ...manifestsIn(join(envDir, name, RETAINED))];
      removeInside(envDir, name);
      cpSync(join(req.bundleDir, name), pathInside(envDir, name), {
        recursive: true,
        filter: (src) => !src.split(/[\\/]/).pop()!.startsWith('.'),
      });
      if (pinned) {
        writeFileSync(join(envDir, name, MANIFESTS), pinned);
        writeFileSync(join(envDir, name, KUSTOMIZATION), renderPackageKustomization(provenanceAnnotations(built)));
        log(`${name}: the live slot (${req.slots!.liveNamespace}) keeps what the repository has; the build goes to the others`);
      }
      const kept = writeRetained(pathInside(envDir, name), previous);
      if (kept > 0) log(`${name}: keeps ${kept} previous config version(s) for rollback`);
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
          `Deploy every package once: npx nx run-many -t deploy -c ${req.envName} --driver=gitops (with this run's other options)`,
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
    try {
      await repo.push('origin', target.branch);
    } catch (e) {
      if (/\[rejected\]|non-fast-forward|fetch first/.test((e as Error).message)) throw new RepositoryMovedOn((e as Error).message);
      throw e;
    }
    return { changed: true, summary: `gitops: committed ${commit.commit} (${files} file(s); ${counts}) to ${where}`, pruned };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
