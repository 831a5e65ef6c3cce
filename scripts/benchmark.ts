// Speed and memory figures of the main job, for the real workspace and a generated one of 200 services.
// Not a test: it prints figures (record them in docs/performance.md). Run with `npm run benchmark`.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';

import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const GENERATED = Number(process.env.BENCH_SERVICES ?? 200);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
let daemon = false;

function timed(cwd: string, cmd: string, args: string[]): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...env, NX_DAEMON: String(daemon) }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return (performance.now() - start) / 1000;
}

function singleProcess(cwd: string): { seconds: number; maxRssMb: number; objects: number } {
  rmSync(join(cwd, 'dist'), { recursive: true, force: true });
  const start = performance.now();
  const out = execFileSync('node', ['-r', '@b2connect/k8s-lib/register', join(ROOT, 'scripts/bench-build.ts'), cwd], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
  });
  const figures = JSON.parse(out.trim().split('\n').pop()!) as { maxRssMb: number; objects: number };
  return { seconds: (performance.now() - start) / 1000, ...figures };
}

/** A throwaway git copy of the workspace (node_modules linked), optionally with generated services. */
function workspaceCopy(services: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-bench-'));
  for (const file of execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (let i = 1; i <= services; i++) {
    const name = `gen-${String(i).padStart(3, '0')}`;
    mkdirSync(join(dir, 'services', name), { recursive: true });
    writeFileSync(
      join(dir, 'services', name, 'package.json'),
      JSON.stringify({ name: `@b2connect/${name}`, version: '1.0.0', private: true }),
    );
    const spec = {
      name,
      team: 'bench',
      image: { repository: `b2connect/${name}` },
      ports: { http: 8080, metrics: 9090 },
      health: { readiness: '/health/ready', liveness: '/health/live' },
      // Realistic fan-in: every service calls one of five shared ones.
      dependsOn: i > 5 ? [`gen-${String((i % 5) + 1).padStart(3, '0')}`] : [],

      autoscaling: { min: 2, max: 6 },
    };
    writeFileSync(join(dir, 'services', name, 'deploy.ts'), `export default ${JSON.stringify({ kind: 'web-service', spec })};\n`);
  }
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=b@b', 'add', '-A'], { cwd: dir });
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=b@b', 'commit', '-qm', 'bench'], { cwd: dir });
  return dir;
}

/** Nx figures: cold in CI mode (no daemon), then cached and affected as on a workstation (daemon running). */
function nxFigures(dir: string, touch: string): { cold: number; cachedCi: number; cached: number; affected: number } {
  const nx = join(ROOT, 'node_modules/.bin/nx');
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  rmSync(join(dir, '.nx'), { recursive: true, force: true });
  // .nx is gone, so nothing is cached: this run builds everything and fills the cache.
  const cold = timed(dir, nx, ['run-many', '-t', 'synth']);

  const cachedCi = timed(dir, nx, ['run-many', '-t', 'synth']);
  daemon = true;
  timed(dir, nx, ['run-many', '-t', 'synth']); // starts the daemon
  timed(dir, nx, ['run-many', '-t', 'synth']); // lets it finish its first graph

  const cached = timed(dir, nx, ['run-many', '-t', 'synth']);
  writeFileSync(join(dir, touch), `${readFileSync(join(dir, touch), 'utf8')}// touched\n`);
  const affected = timed(dir, nx, ['affected', '-t', 'deploy', '-c', 'prod']);
  timed(dir, nx, ['daemon', '--stop']);
  daemon = false;
  return { cold, cachedCi, cached, affected };
}

function row(label: string, value: string, target = ''): void {
  console.log(`| ${label.padEnd(58)} | ${value.padStart(9)} | ${target.padEnd(12)} |`);
}

const s = (x: number) => `${x.toFixed(2)} s`;
console.log(`node ${process.version}, ${cpus().length} cores\n`);
console.log(`| ${'figure'.padEnd(58)} | ${'value'.padStart(9)} | ${'target'.padEnd(12)} |`);
console.log(`|${'-'.repeat(60)}|${'-'.repeat(11)}|${'-'.repeat(14)}|`);

const real = workspaceCopy(0);
const realSingle = singleProcess(real);
row(`real workspace: one process, every package x 3 envs (${realSingle.objects} objects)`, s(realSingle.seconds));
row('real workspace: peak memory of that process', `${realSingle.maxRssMb} MB`);
const realNx = nxFigures(real, 'services/catalog/deploy.ts');
row('real workspace: nx run-many -t synth, cold', s(realNx.cold));
row('real workspace: nx run-many -t synth, all cached, no daemon (CI)', s(realNx.cachedCi));
row('real workspace: nx run-many -t synth, all cached (daemon)', s(realNx.cached), '<= 1 s');
row('real workspace: nx affected -t deploy -c prod, one service touched', s(realNx.affected), '<= 1.5 s');

const generated = workspaceCopy(GENERATED);
const genSingle = singleProcess(generated);
row(`${GENERATED} generated services: one process x 3 envs (${genSingle.objects} objects)`, s(genSingle.seconds), '<= 2.6 s');
row(`${GENERATED} generated services: peak memory of that process`, `${genSingle.maxRssMb} MB`);
const genNx = nxFigures(generated, `services/gen-${String(GENERATED).padStart(3, '0')}/deploy.ts`);
row(`${GENERATED} generated services: nx run-many -t synth, cold (batched)`, s(genNx.cold), '<= 2.6 s');
row(`${GENERATED} generated services: nx run-many -t synth, all cached, no daemon`, s(genNx.cachedCi));
row(`${GENERATED} generated services: nx run-many -t synth, all cached (daemon)`, s(genNx.cached), '<= 1 s');

row(`${GENERATED} generated services: nx affected -t deploy, one touched`, s(genNx.affected), '<= 1.5 s');

rmSync(real, { recursive: true, force: true });
rmSync(generated, { recursive: true, force: true });
