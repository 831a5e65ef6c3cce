// Command-line helpers: `npm run diff -- <base> <head>` (or `-- --base <git-ref>`) compares two bundle folders.
import { runDiff, USAGE } from './diff/command';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'diff') {
    // npm runs scripts from the repository root; folders given on the command line are relative to
    // where npm was started.
    return runDiff(rest, { cwd: process.env.INIT_CWD ?? process.cwd() });
  }
  console.error(`unknown command ${command ?? '(none)'}; known: diff\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`diff failed: ${(e as Error).message}`);
    process.exitCode = 2;
  },
);
