import { resolve } from 'node:path';
import { BUNDLE_ROOT } from '@b2connect/k8s-lib/pipeline';
import { readBaseBundles, type BuildCheckout } from './base-worktree';
import { checkoutRoot, commandIo, parseStrict, UsageError } from './cli-support';
import { DEFAULT_MAX_CHARS, diffBundles, readBundleTree, renderMarkdown, type BundleTree } from './diff';

export const USAGE = `usage: npm run diff -- <base-bundles> <head-bundles> [--max-chars <n>]
       npm run diff -- --base <git-ref> [<head-bundles>] [--max-chars <n>]
  Compares two dist/environments folders and prints the per-object changes as Markdown for a
  pull-request comment: a summary table, then the changes folded per package.
  --base <git-ref>   build the bundles of <git-ref> in a temporary git worktree (its own npm ci and
                     nx run environments:build) and compare them with <head-bundles>
                     (default: dist/environments of the current checkout, built beforehand)
  --max-chars <n>    size cap of the Markdown; past it the remaining package details are left out
                     and a closing line says how many (default ${DEFAULT_MAX_CHARS})
  -h, --help         this text
  Exit code: 0 no change, 1 changes, 2 usage, read or build error.`;

const OPTIONS = {
  base: { type: 'string' },
  'max-chars': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
const KNOWN = '--base <git-ref>, --max-chars <n>, -h/--help';

/** The smallest cap that still leaves room for the title, a table row and the closing line. */
const MIN_MAX_CHARS = 1000;

export interface DiffIo {
  /** Folder relative paths are resolved against, and whose git checkout `--base` uses. @default process.cwd() */
  readonly cwd?: string;
  /** @default process.stdout */
  readonly out?: (text: string) => void;
  /** @default console.error */
  readonly err?: (line: string) => void;
  /** How `--base` builds its worktree. @default npm ci, then nx run environments:build */
  readonly build?: BuildCheckout;
}

function parse(argv: readonly string[]) {
  return parseStrict(argv, OPTIONS, KNOWN);
}

function maxChars(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_CHARS;
  const n = Number(value);
  if (!Number.isInteger(n) || n < MIN_MAX_CHARS)
    throw new UsageError(`--max-chars: ${value} is not a whole number of at least ${MIN_MAX_CHARS}`);
  return n;
}

/** `diff` (arguments after the command name); resolves to the exit code. */
export async function runDiff(argv: readonly string[], io: DiffIo = {}): Promise<number> {
  const { cwd, out, err } = commandIo(io);
  try {
    const { values, positionals } = parse(argv);
    if (values.help) {
      err(USAGE);
      return 0;
    }
    const cap = maxChars(values['max-chars']);
    let base: BundleTree;
    let head: BundleTree;
    if (values.base !== undefined) {
      if (!values.base) throw new UsageError('--base: needs a git ref, for example --base origin/main');
      if (positionals.length > 1) throw new UsageError(`with --base, at most one folder (the head bundles); got ${positionals.join(' ')}`);
      const headDir = positionals[0] ? resolve(cwd, positionals[0]) : resolve(await checkoutRoot(cwd, '--base: '), BUNDLE_ROOT);
      // Read first: a missing head build fails before the minutes of the base build.
      head = readBundleTree(headDir);
      base = (await readBaseBundles(cwd, values.base, io.build, err)).tree;
    } else {
      const [baseDir, headDir, ...more] = positionals;
      if (!baseDir || !headDir || more.length > 0) {
        throw new UsageError(`expected two folders (base and head bundles), got ${positionals.length}`);
      }
      base = readBundleTree(resolve(cwd, baseDir));
      head = readBundleTree(resolve(cwd, headDir));
    }
    const changes = diffBundles(base, head);
    out(renderMarkdown(changes, { maxChars: cap }));
    return changes.length > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) err(`diff: ${e.message}\n${USAGE}`);
    else err(`diff failed: ${(e as Error).message}`);
    return 2;
  }
}
