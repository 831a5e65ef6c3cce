// Fixtures of the diff and compare commands' tests: a real git repository holding a small workspace.
import { execFileSync } from 'node:child_process';
import { buildBundles } from '@b2connect/k8s-lib/pipeline';
import { importLoader, makeWorkspace, webService, writeWorkspace } from '../../libs/k8s-lib/test/helpers';

export const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd, encoding: 'utf8' }).trim();

/**
 * A repository whose one commit holds `orders` with PageSize 50; the working tree holds PageSize
 * `headPageSize` (the commit's when not given), built into dist/.
 */
export async function repository(headPageSize?: string): Promise<string> {
  const root = makeWorkspace({ packages: { orders: webService('orders', { settings: { PageSize: '50' } }) } });
  git(root, 'init', '--quiet', '--initial-branch=main');
  git(root, 'add', '.');
  git(root, 'commit', '--quiet', '-m', 'base');
  if (headPageSize) writeWorkspace(root, { packages: { orders: webService('orders', { settings: { PageSize: headPageSize } }) } });
  await buildBundles(root, { load: importLoader });
  return root;
}

/** Output of a command run, captured. */
export function captured() {
  const io = { stdout: '', stderr: '' };
  return { io, out: (text: string) => void (io.stdout += text), err: (line: string) => void (io.stderr += `${line}\n`) };
}

/** How many worktrees the repository has (the checkout itself included). */
export const worktrees = (root: string) => git(root, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length;
