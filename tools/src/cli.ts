// Command-line helpers: `npm run diff -- <base> <head>` compares two bundle folders.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { diffBundles, readBundleTree, renderMarkdown } from './diff/diff';

const USAGE = `usage: npm run diff -- <base-bundles> <head-bundles>
  Compares two dist/environments folders (for example one built from the base commit in a worktree,
  and the working tree's) and prints the per-object changes as Markdown.
  Exit code: 0 no change, 1 changes, 2 usage or read error.`;

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  const [command, base, head] = positionals;
  if (values.help || command !== 'diff' || !base || !head) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const changes = diffBundles(readBundleTree(resolve(base)), readBundleTree(resolve(head)));
  process.stdout.write(renderMarkdown(changes));
  return changes.length > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  console.error(`diff failed: ${(e as Error).message}`);
  process.exitCode = 2;
}
