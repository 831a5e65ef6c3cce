import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';
import { BUNDLE_ROOT } from '@b2connect/k8s-lib/pipeline';
import { readBundleTree, type BundleTree } from './diff';

/** Builds the bundles of a checkout into `<checkout>/dist/environments`; rejects when the build fails. */
export type BuildCheckout = (checkout: string) => Promise<void>;

/** Lines kept of a failed command's output: the first (npm says what is wrong there) and the last (Nx does). */
const OUTPUT_HEAD = 20;
const OUTPUT_TAIL = 60;

function excerpt(output: string): string {
  const lines = output.trimEnd().split('\n');
  if (lines.length <= OUTPUT_HEAD + OUTPUT_TAIL) return lines.join('\n');
  const left = lines.length - OUTPUT_HEAD - OUTPUT_TAIL;
  return [...lines.slice(0, OUTPUT_HEAD), `(${left} lines left out)`, ...lines.slice(-OUTPUT_TAIL)].join('\n');
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.on('error', (e) => reject(new Error(`\`${command} ${args.join(' ')}\` could not start in ${cwd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolvePromise();
      const how = signal ?? `exit code ${code}`;
      reject(new Error(`\`${command} ${args.join(' ')}\` failed (${how}) in ${cwd}; its output:\n${excerpt(output.join(''))}`));
    });
  });
}

/**
 * The base commit's own build: its own dependencies (`npm ci`, from the npm cache when it can), its
 * own k8s-lib, definitions and Nx plugin (`nx run environments:build`), without the Nx daemon or cloud.
 */
export const buildWithNpm: BuildCheckout = async (checkout) => {
  const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  // Set by this process's loader for its own checkout; the base checkout chooses its own.
  delete env.V8_COMPILE_CACHE_CACHE_DIR;
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], checkout, env);
  await run('npx', ['nx', 'run', 'environments:build'], checkout, env);
};

/**
 * The working tree's own build, as a user runs it before comparing: `nx run environments:build`
 * with no Nx cache (every bundle written now, none replayed), without the Nx daemon or cloud.
 */
export const buildWorkingTree: BuildCheckout = async (checkout) => {
  const env: NodeJS.ProcessEnv = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' };
  await run('npx', ['nx', 'run', 'environments:build', '--skip-nx-cache'], checkout, env);
};

export interface BaseBundles {
  readonly tree: BundleTree;
  /** The commit the ref resolved to. */
  readonly commit: string;
}

export interface RefWorktreeOptions {
  /** How the worktree is built. @default npm ci, then nx run environments:build */
  readonly build?: BuildCheckout;
  /** Progress lines. @default - none */
  readonly log?: (line: string) => void;
  /** What the error messages call the ref. @default `--base <ref>` */
  readonly label?: string;
}

/**
 * Checks `ref` out in a temporary `git worktree` of the repository at `repoDir`, builds it and hands
 * its bundle folder (`<worktree>/dist/environments`) to `read`. The worktree is removed afterwards,
 * also when the build or `read` fails: what `read` returns must not point into it.
 */
export async function withRefBundles<T>(
  repoDir: string,
  ref: string,
  read: (bundleDir: string, commit: string) => T,
  options: RefWorktreeOptions = {},
): Promise<T> {
  const build = options.build ?? buildWithNpm;
  const log = options.log ?? (() => undefined);
  const label = options.label ?? `--base ${ref}`;
  const git = simpleGit(repoDir);
  let commit: string;
  try {
    commit = (await git.revparse(['--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
  } catch {
    commit = '';
  }
  if (!commit) throw new Error(`${label}: not a commit of the git repository at ${repoDir} (a shallow clone may need git fetch first)`);
  const dir = mkdtempSync(join(tmpdir(), 'b2c-diff-base-'));
  // The worktree holds node_modules and dist: --force removes it all the same.
  const removeArgs = ['worktree', 'remove', '--force', dir];
  const remove = async () => {
    try {
      await git.raw(removeArgs);
    } catch {
      // Whatever is left of the folder goes, and git forgets the worktree.
      rmSync(dir, { recursive: true, force: true });
      await git.raw(['worktree', 'prune']).catch(() => undefined);
    }
  };
  // Interrupted (Ctrl-C, a cancelled CI job): remove the worktree before going, as the finally would.
  const onSignal = (signal: NodeJS.Signals) => {
    try {
      execFileSync('git', removeArgs, { cwd: repoDir, stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
    process.kill(process.pid, signal);
  };
  const short = commit.slice(0, 12);
  try {
    await git.raw(['worktree', 'add', '--detach', dir, commit]);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${label}: cannot create a worktree of ${short} in ${dir}: ${(e as Error).message}`);
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    log(`building the bundles of ${ref} (${short}) in a worktree at ${dir}`);
    try {
      await build(dir);
    } catch (e) {
      throw new Error(`${label}: the build of ${short} failed: ${(e as Error).message}`);
    }
    try {
      return read(join(dir, BUNDLE_ROOT), commit);
    } catch (e) {
      throw new Error(`${label}: the build of ${short} wrote no usable bundles: ${(e as Error).message}`);
    }
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await remove();
  }
}

/** The bundles of `ref`, built in a temporary worktree (see {@link withRefBundles}) and parsed. */
export function readBaseBundles(
  repoDir: string,
  ref: string,
  build: BuildCheckout = buildWithNpm,
  log: (line: string) => void = () => undefined,
): Promise<BaseBundles> {
  return withRefBundles(repoDir, ref, (bundleDir, commit) => ({ tree: readBundleTree(bundleDir), commit }), { build, log });
}
