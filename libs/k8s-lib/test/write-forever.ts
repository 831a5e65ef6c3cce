// Child process of the kill-loop test (environment-writer.test.ts): writes two environments over and
// over, alternating generation A (21 packages) and B (20: `extra` is pruned), until it is killed.
// Every file names its generation, and bundle.json lists the generation and the package folders.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeEnvironments } from '../src/write/environment-writer';

const outDir = process.argv[2]!;
const packages = Array.from({ length: 20 }, (_, i) => `pkg-${i}`);
// Loaded: the test's kill timer starts now, whatever the machine's load made loading cost.
process.stdout.write('ready\n');
for (let n = 0; ; n++) {
  const gen = n % 2 === 0 ? 'A' : 'B';
  const names = gen === 'A' ? [...packages, 'extra'] : packages;
  writeEnvironments(
    outDir,
    ['dev', 'prod'].map((env) => ({
      dir: join(outDir, env),
      packages: new Map(
        names.map((p) => [
          p,
          new Map([
            ['manifests.yaml', `${gen}\n`.repeat(5000)],
            ['kustomization.yaml', `${gen}\n`],
          ]),
        ]),
      ),
      keep: (folder: string) => names.includes(folder),
      files: (staged: string) => new Map([['bundle.json', JSON.stringify({ gen, packages: readdirSync(staged).sort() })]]),
    })),
  );
}
