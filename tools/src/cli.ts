// Command-line helpers: `npm run diff -- <base> <head>` (or `-- --base <git-ref>`) compares two bundle folders;
// `npm run compare-bundles -- <git-ref> [<head>]` compares a ref's bundles with the head's byte for byte.
import { COMPARE_USAGE, runCompare } from './diff/compare';
import { runDiff, USAGE } from './diff/command';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  // npm runs scripts from the repository root; folders given on the command line are relative to
  // where npm was started.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  if (command === 'diff') return runDiff(rest, { cwd });
  if (command === 'compare') return runCompare(rest, { cwd });
  console.error(`unknown command ${command ?? '(none)'}; known: diff, compare\n${USAGE}\n${COMPARE_USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`${process.argv[2] ?? 'command'} failed: ${(e as Error).message}`);
    process.exitCode = 2;
  },
);
