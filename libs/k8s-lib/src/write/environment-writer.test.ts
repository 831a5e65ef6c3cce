import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanLeftovers, writeEnvironments } from './environment-writer';

const register = resolve(__dirname, '../../register.js');
const child = resolve(__dirname, '../../test/write-forever.ts');

/** The generation an environment folder holds, checking that every file of it agrees. */
function generationOf(envDir: string): string {
  const manifest = JSON.parse(readFileSync(join(envDir, 'bundle.json'), 'utf8')) as { gen: string; packages: string[] };
  const folders = readdirSync(envDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  // bundle.json was computed over the staged folder: it lists exactly the folders there (and itself).
  expect(manifest.packages.filter((p) => p !== 'bundle.json')).toEqual(folders);
  expect(folders.includes('extra')).toBe(manifest.gen === 'A');
  for (const folder of folders) {
    expect(readFileSync(join(envDir, folder, 'kustomization.yaml'), 'utf8'), `${envDir}/${folder}`).toBe(`${manifest.gen}\n`);
    expect(readFileSync(join(envDir, folder, 'manifests.yaml'), 'utf8')).toBe(`${manifest.gen}\n`.repeat(5000));
  }
  return manifest.gen;
}

/** Starts a writer and kills it `delayMs` after it has loaded (it says so on standard output). */
function runAndKill(outDir: string, delayMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['-r', register, child, outDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    let timer: NodeJS.Timeout | undefined;
    p.stdout.once('data', () => (timer = setTimeout(() => p.kill('SIGKILL'), delayMs)));
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') done();
      else fail(new Error(`writer exited by itself (${code}): ${stderr}`));
    });
  });
}

describe('environment writer', () => {
  it('leaves each environment wholly old or wholly new whatever the moment of a kill, with two writers at once (2 x 40 kills), and leaves nothing behind', async () => {
    const outDir = join(mkdtempSync(join(tmpdir(), 'b2c-kill-')), 'environments');
    const seen = new Set<string>();
    const written = new Set<string>();
    for (let i = 0; i < 40; i++) {
      // Two writers of one folder take turns through the lock; each is killed at its own moment
      // after it has loaded, so the kills spread over its writes however slow the machine is.
      await Promise.all([runAndKill(outDir, Math.floor(Math.random() * 350)), runAndKill(outDir, Math.floor(Math.random() * 350))]);
      // What the next run does first: a swap cut between its two renames is completed.
      cleanLeftovers(outDir);
      for (const env of ['dev', 'prod']) {
        if (!existsSync(join(outDir, env))) {
          // Only before the first write ever finished: once written, an environment never goes missing.
          expect(written.has(env), `${env} went missing after kill ${i}`).toBe(false);
          continue;
        }
        written.add(env);
        seen.add(generationOf(join(outDir, env)));
      }
      // Nothing of a killed run is left but the lock it may have held (the next writer takes it over).
      expect(readdirSync(outDir).filter((e) => e.startsWith('.') && e !== '.write.lock')).toEqual([]);
    }
    // The kills landed in both generations' writes, so both outcomes were checked.
    expect([...seen].sort()).toEqual(['A', 'B']);
    writeEnvironments(outDir, [{ dir: join(outDir, 'dev'), packages: new Map(), keep: () => true, files: () => new Map() }]);
    expect(readdirSync(outDir).filter((e) => e.startsWith('.'))).toEqual([]);
    for (const env of readdirSync(outDir)) expect(readdirSync(join(outDir, env)).filter((e) => e.startsWith('.'))).toEqual([]);
  }, 180_000);

  it('takes over the lock of a writer that is gone, and never the lock of a live one', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'b2c-lock-'));
    mkdirSync(join(outDir, '.write.lock'));
    writeFileSync(join(outDir, '.write.lock', 'pid'), '999999');
    writeEnvironments(outDir, [{ dir: join(outDir, 'dev'), packages: new Map(), keep: () => true, files: () => new Map() }]);
    expect(readdirSync(outDir)).toEqual(['dev']);
    // A live holder (this test's parent process): the writer waits, and its release leaves that lock alone.
    writeFileSync(join(outDir, 'marker'), '');
    mkdirSync(join(outDir, '.write.lock'));
    writeFileSync(join(outDir, '.write.lock', 'pid'), String(process.ppid));
    const started = Date.now();
    const child = spawnSync(
      process.execPath,
      [
        '-r',
        register,
        '-e',
        `require(${JSON.stringify(resolve(__dirname, 'environment-writer.ts'))}).writeEnvironments(${JSON.stringify(outDir)}, [])`,
      ],
      { timeout: 1500 },
    );
    expect(child.signal ?? child.status, 'the writer was still waiting when stopped').toBe('SIGTERM');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(readFileSync(join(outDir, '.write.lock', 'pid'), 'utf8')).toBe(String(process.ppid));
  });

  it('puts the ready environment in place when a kill cut a swap between its two renames', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'b2c-swap-'));
    // A dead process (pid 999999) moved prod aside and was killed before the ready one went in.
    mkdirSync(join(outDir, '.prod.old-999999-1-a'));
    writeFileSync(join(outDir, '.prod.old-999999-1-a', 'bundle.json'), 'old');
    mkdirSync(join(outDir, '.prod.ready-999999-1-a'));
    writeFileSync(join(outDir, '.prod.ready-999999-1-a', 'bundle.json'), 'new');
    cleanLeftovers(outDir);
    expect(readFileSync(join(outDir, 'prod', 'bundle.json'), 'utf8')).toBe('new');
    expect(readdirSync(outDir)).toEqual(['prod']);
  });

  it('keeps the staging folders of a live writer', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'b2c-live-'));
    mkdirSync(join(outDir, 'prod'));
    mkdirSync(join(outDir, `.prod.new-${process.pid}-1-a`));
    cleanLeftovers(outDir);
    expect(readdirSync(outDir).sort()).toEqual([`.prod.new-${process.pid}-1-a`, 'prod']);
  });

  it('fails when an environment folder cannot be replaced, naming what was and was not written', () => {
    const outDir = mkdtempSync(join(tmpdir(), 'b2c-replace-'));
    const write = (env: string, dir = join(outDir, env)) => ({
      dir,
      packages: new Map([['a', new Map([['f', `${env}\n`]])]]),
      keep: () => true,
      files: () => new Map(),
    });
    writeEnvironments(outDir, [write('dev'), write('staging')]);
    writeFileSync(join(outDir, 'staging', 'a', 'f'), 'before\n');
    // prod's folder sits below a folder that does not exist: its swap fails after dev's succeeded.
    expect(() => writeEnvironments(outDir, [write('dev'), write('prod', join(outDir, 'missing', 'prod')), write('staging')])).toThrow(
      /cannot replace .*missing\/prod: .*\. Written: dev; not written \(previous bundle intact\): prod, staging/,
    );
    expect(readFileSync(join(outDir, 'staging', 'a', 'f'), 'utf8')).toBe('before\n');
    expect(readdirSync(outDir).filter((e) => e.startsWith('.'))).toEqual([]);
  });
});
