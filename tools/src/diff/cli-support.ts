import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { simpleGit } from 'simple-git';
import { ConfigError } from '@b2connect/k8s-lib/pipeline';

// What the diff and compare commands share: their usage errors, strict option parsing and the check
// that a bundle folder is there to read.

/** A mistake in the command line: printed with the usage, exit 2. */
export class UsageError extends Error {}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Options parsed strictly: an unknown or malformed option is a UsageError naming the known ones. */
export function parseStrict<O extends NonNullable<ParseArgsConfig['options']>>(argv: readonly string[], options: O, known: string) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.split('. ')[0];
    throw new UsageError(`${message}; known options: ${known}`);
  }
}

/** Fails, naming the folder, unless `root` is a readable directory. */
export function requireBundleFolder(root: string): void {
  let stats;
  try {
    stats = statSync(root);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(root, [
      { path: '', message: missing ? 'no such bundle folder (build it first: npm run build)' : `cannot read the folder: ${errorText(e)}` },
    ]);
  }
  if (!stats.isDirectory()) throw new ConfigError(root, [{ path: '', message: 'not a directory (expected a bundle folder)' }]);
}

/** The root of the git checkout around `cwd`; a UsageError (its message after `prefix`) outside one. */
export async function checkoutRoot(cwd: string, prefix = ''): Promise<string> {
  try {
    return (await simpleGit(cwd).revparse(['--show-toplevel'])).trim();
  } catch {
    throw new UsageError(`${prefix}${cwd} is not inside a git repository`);
  }
}

/** Where a command's output goes, with the process's own streams as defaults. */
export function commandIo(io: { cwd?: string; out?: (text: string) => void; err?: (line: string) => void }) {
  return {
    cwd: io.cwd ?? process.cwd(),
    out: io.out ?? ((text: string) => void process.stdout.write(text)),
    err: io.err ?? ((line: string) => console.error(line)),
  };
}
