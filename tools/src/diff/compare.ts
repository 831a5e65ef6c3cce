import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { BUNDLE_ROOT, ConfigError } from '@b2connect/k8s-lib/pipeline';
import { buildWorkingTree, withRefBundles, type BuildCheckout } from './base-worktree';
import { checkoutRoot, commandIo, errorText, parseStrict, requireBundleFolder, UsageError } from './cli-support';

export const COMPARE_USAGE = `usage: npm run compare-bundles -- <git-ref> [<head-bundles>] [--ignore <glob>]... [--build]
  Builds the bundles of <git-ref> in a temporary git worktree (its own npm ci and nx run
  environments:build) and compares every file under its dist/environments with <head-bundles>
  byte for byte: a refactor that must not change the bundles proves it here.
  <head-bundles>     default: dist/environments of the current checkout, built beforehand
  --build            build the working tree first (nx run environments:build --skip-nx-cache)
                     and compare with its dist/environments
  --ignore <glob>    leave out the files the glob matches, relative to the bundle folder, for
                     example --ignore '*/bundle.json' (repeatable)
  -h, --help         this text
  Exit code: 0 identical, 1 differences, 2 usage, read or build error.`;

const OPTIONS = {
  ignore: { type: 'string', multiple: true },
  build: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const KNOWN = '--ignore <glob>, --build, -h/--help';

/** Every file of a bundle folder: path relative to it (with `/`) -> content, in path order. */
export type FileTree = Map<string, Buffer>;

function readFolder(dir: string, prefix: string, tree: FileTree): void {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new ConfigError(dir, [{ path: '', message: `cannot read the folder: ${errorText(e)}` }]);
  }
  for (const name of names) {
    // What a write stages beside the bundle (a lock, a staging folder of a run in progress) is not the bundle.
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const relative = prefix + name;
    let kind: 'dir' | 'file' | 'other';
    try {
      const stats = statSync(path);
      kind = stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
    } catch (e) {
      throw new ConfigError(path, [{ path: '', message: `cannot read: ${errorText(e)}` }]);
    }
    if (kind === 'dir') readFolder(path, `${relative}/`, tree);
    else if (kind === 'file') {
      try {
        tree.set(relative, readFileSync(path));
      } catch (e) {
        throw new ConfigError(path, [{ path: '', message: `cannot read the file: ${errorText(e)}` }]);
      }
    } else throw new ConfigError(path, [{ path: '', message: 'neither a file nor a folder' }]);
  }
}

/**
 * Reads every file under `root` (symlinks followed). Fails, naming the folder or file, when the folder
 * is missing, not a directory, holds no file, or when a folder or file cannot be read.
 */
export function readFileTree(root: string): FileTree {
  requireBundleFolder(root);
  const tree: FileTree = new Map();
  readFolder(root, '', tree);
  if (tree.size === 0) throw new ConfigError(root, [{ path: '', message: 'holds no file (expected <env>/<package>/...)' }]);
  return tree;
}

export interface FileDifference {
  readonly path: string;
  readonly type: 'differs' | 'only in base' | 'only in head';
  /** For `differs`: where the first different byte is (1-based line, 0-based byte offset). */
  readonly first?: { readonly line: number; readonly byte: number };
  readonly baseSize?: number;
  readonly headSize?: number;
}

export interface FileComparison {
  readonly identical: number;
  /** In path order. */
  readonly differences: readonly FileDifference[];
  /** Files left out by `--ignore`, on either side or both. */
  readonly ignored: number;
  /** The globs that matched no file on either side (a misspelt glob shows here). */
  readonly unusedGlobs: readonly string[];
}

function firstDifference(a: Buffer, b: Buffer): { line: number; byte: number } {
  const end = Math.min(a.length, b.length);
  let line = 1;
  for (let i = 0; i < end; i++) {
    if (a[i] !== b[i]) return { line, byte: i };
    if (a[i] === 0x0a) line++;
  }
  return { line, byte: end };
}

/** Compares two file trees byte for byte, leaving out the paths any of `ignore` matches. */
export function compareFileTrees(base: FileTree, head: FileTree, ignore: readonly string[] = []): FileComparison {
  const matchers = ignore.map((glob) => ({ glob, match: picomatch(glob, { dot: true }), used: false }));
  const ignored = (path: string) => {
    let hit = false;
    for (const m of matchers) {
      if (m.match(path)) hit = m.used = true;
    }
    return hit;
  };
  const paths = [...new Set([...base.keys(), ...head.keys()])].sort();
  const differences: FileDifference[] = [];
  let identical = 0;
  let left = 0;
  for (const path of paths) {
    if (ignored(path)) {
      left++;
      continue;
    }
    const a = base.get(path);
    const b = head.get(path);
    if (!b) differences.push({ path, type: 'only in base', baseSize: a!.length });
    else if (!a) differences.push({ path, type: 'only in head', headSize: b.length });
    else if (a.equals(b)) identical++;
    else differences.push({ path, type: 'differs', first: firstDifference(a, b), baseSize: a.length, headSize: b.length });
  }
  return { identical, differences, ignored: left, unusedGlobs: matchers.filter((m) => !m.used).map((m) => m.glob) };
}

/** Files directly in an environment folder (bundle.json, kustomization.yaml), not in a package. */
const ENVIRONMENT_FILES = '(environment files)';
/** Files directly in the bundle folder, not in an environment. */
const TOP_LEVEL = '(top level)';

function group(path: string): { env: string; pkg: string; file: string } {
  const parts = path.split('/');
  if (parts.length === 1) return { env: TOP_LEVEL, pkg: '', file: path };
  if (parts.length === 2) return { env: parts[0]!, pkg: ENVIRONMENT_FILES, file: parts[1]! };
  return { env: parts[0]!, pkg: parts[1]!, file: parts.slice(2).join('/') };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function detail(d: FileDifference): string {
  if (d.type === 'only in base') return `(${plural(d.baseSize!, 'byte')})`;
  if (d.type === 'only in head') return `(${plural(d.headSize!, 'byte')})`;
  const sizes = d.baseSize === d.headSize ? plural(d.baseSize!, 'byte') : `${d.baseSize} → ${plural(d.headSize!, 'byte')}`;
  return `(${sizes}; first difference at line ${d.first!.line}, byte ${d.first!.byte})`;
}

/** The report: a summary line, then every difference grouped by environment and package. */
export function renderComparison(result: FileComparison, base: string, head: string): string {
  const counts = (type: FileDifference['type']) => result.differences.filter((d) => d.type === type).length;
  const summary = [
    `${plural(result.identical, 'identical file')}`,
    `${counts('differs')} differ`,
    `${counts('only in base')} only in base`,
    `${counts('only in head')} only in head`,
  ];
  if (result.ignored > 0) summary.push(`${result.ignored} ignored`);
  const lines = [`Bundles of ${base} against ${head}: ${summary.join(', ')}`];
  if (result.differences.length === 0) lines.push('Identical: no file differs.');
  const width = Math.max(...result.differences.map((d) => d.type.length), 0);
  let env = '';
  let pkg = '';
  for (const d of result.differences) {
    const g = group(d.path);
    if (g.env !== env) {
      lines.push('', g.env);
      env = g.env;
      pkg = '';
    }
    if (g.pkg && g.pkg !== pkg) {
      lines.push(`  ${g.pkg}`);
      pkg = g.pkg;
    }
    const indent = g.pkg ? '    ' : '  ';
    lines.push(`${indent}${d.type.padEnd(width)}  ${g.file} ${detail(d)}`);
  }
  return `${lines.join('\n')}\n`;
}

export interface CompareIo {
  /** Folder relative paths are resolved against, and whose git checkout is built and compared. @default process.cwd() */
  readonly cwd?: string;
  /** @default process.stdout */
  readonly out?: (text: string) => void;
  /** @default console.error */
  readonly err?: (line: string) => void;
  /** How the ref's worktree is built. @default npm ci, then nx run environments:build */
  readonly build?: BuildCheckout;
  /** How `--build` builds the working tree. @default nx run environments:build --skip-nx-cache */
  readonly buildHead?: BuildCheckout;
}

function parse(argv: readonly string[]) {
  return parseStrict(argv, OPTIONS, KNOWN);
}

/** `compare` (arguments after the command name); resolves to the exit code. */
export async function runCompare(argv: readonly string[], io: CompareIo = {}): Promise<number> {
  const { cwd, out, err } = commandIo(io);
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      err(COMPARE_USAGE);
      return 0;
    }
    const [ref, headArg, ...more] = positionals;
    if (!ref) throw new UsageError('needs a git ref to compare with, for example HEAD or origin/main');
    if (more.length > 0) throw new UsageError(`expected a git ref and at most one folder (the head bundles); got ${positionals.join(' ')}`);
    if (values.build && headArg !== undefined)
      throw new UsageError(`--build builds and compares the checkout's own ${BUNDLE_ROOT}; give no folder with it (got ${headArg})`);
    const ignore = values.ignore ?? [];
    for (const glob of ignore) {
      if (!glob) throw new UsageError("--ignore: needs a glob, for example --ignore '*/bundle.json'");
    }
    const root = await checkoutRoot(cwd);
    const headDir = headArg !== undefined ? resolve(cwd, headArg) : join(root, BUNDLE_ROOT);
    if (values.build) {
      err(`building the bundles of the working tree at ${root}`);
      try {
        await (io.buildHead ?? buildWorkingTree)(root);
      } catch (e) {
        throw new Error(`--build: the build of the working tree at ${root} failed: ${errorText(e)}`);
      }
    }
    // Read first: a missing head build fails before the minutes of the base build.
    const head = readFileTree(headDir);
    const label = `base ${ref}`;
    const base = await withRefBundles(cwd, ref, (dir, commit) => ({ files: readFileTree(dir), commit }), {
      build: io.build,
      log: err,
      label,
    });
    const result = compareFileTrees(base.files, head, ignore);
    for (const glob of result.unusedGlobs) err(`compare: --ignore ${glob} matched no file`);
    out(renderComparison(result, `${ref} (${base.commit.slice(0, 12)})`, headDir));
    return result.differences.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) err(`compare: ${e.message}\n${COMPARE_USAGE}`);
    else err(`compare failed: ${errorText(e)}`);
    return 2;
  }
}
