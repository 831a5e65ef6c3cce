import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import type { PublishRequest, PublishResult } from './types';

export interface GitOpsTarget {
  /** Repository: a local path or a URL git can push to. */
  readonly repository: string;
  readonly branch: string;
  /** Folder of the environment in the repository. */
  readonly path: string;
}

const AUTHOR = { name: 'b2connect-deploy', email: 'deploy@b2connect.com' };

/** Commit message: what was deployed, and from where, one line per package. */
export function commitMessage(req: PublishRequest): string {
  const lines = req.packages.map((name) => {
    const p = req.manifest.packages[name];
    return p ? `- ${name} ${p.version} ${p.contentHash.slice(0, 19)} from ${p.commit} (k8s-lib ${p.k8sLib})` : `- ${name}`;
  });
  const subject = `deploy(${req.envName}): ${req.packages.length === 1 ? req.packages[0] : `${req.packages.length} packages`}`;
  return [subject, '', ...lines].join('\n');
}

/**
 * Commits the environment bundle into the GitOps repository that Argo CD or Flux watch: clone, replace
 * the environment folder with the bundle, commit with the provenance, push. No commit when nothing
 * changed. With `dryRun` nothing is pushed.
 */
export async function publishGitOps(req: PublishRequest, target: GitOpsTarget): Promise<PublishResult> {
  const work = mkdtempSync(join(tmpdir(), 'b2c-gitops-'));
  try {
    const git = simpleGit();
    const remoteBranches = await git.listRemote(['--heads', target.repository, target.branch]);
    if (remoteBranches.trim()) {
      await git.clone(target.repository, work, ['--branch', target.branch, '--single-branch', '--depth', '1']);
    } else {
      await git.clone(target.repository, work);
      await simpleGit(work).checkout(['--orphan', target.branch]);
    }
    const repo = simpleGit(work);
    await repo.addConfig('user.name', AUTHOR.name).addConfig('user.email', AUTHOR.email);
    const dest = join(work, target.path);
    if (existsSync(dest)) rmSync(dest, { recursive: true, force: true });
    cpSync(req.bundleDir, dest, { recursive: true, filter: (src) => !src.split(/[\\/]/).pop()!.startsWith('.') });
    await repo.add(['-A', '--', target.path]);
    const status = await repo.status();
    if (status.isClean())
      return { changed: false, summary: `gitops: ${target.repository} ${target.branch}:${target.path} already up to date, no commit` };
    const files = status.files.length;
    if (req.dryRun)
      return { changed: true, summary: `gitops (dry run): would commit ${files} changed file(s) to ${target.branch}:${target.path}` };
    const commit = await repo.commit(commitMessage(req));
    await repo.push('origin', target.branch);
    return {
      changed: true,
      summary: `gitops: committed ${commit.commit} (${files} file(s)) to ${target.repository} ${target.branch}:${target.path}`,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
