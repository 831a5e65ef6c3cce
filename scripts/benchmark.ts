// Speed and memory figures of the main job, for the real workspace and a generated one of 200 services.
// Not a test: it prints figures (record them in docs/performance.md). Run with `npm run benchmark`.
//
// Each figure is the median of three runs (BENCH_RUNS), on throwaway git copies of the workspace kept
// under .bench/ (git-ignored; BENCH_DIR to change), on the disk of the checkout (node_modules linked).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const GENERATED = Number(process.env.BENCH_SERVICES ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BENCH_DIR = process.env.BENCH_DIR ?? join(ROOT, '.bench');

const NX = join(ROOT, 'node_modules/.bin/nx');
const baseEnv = { ...process.env, NX_NO_CLOUD: 'true', NX_TUI: 'false' };

function run(cwd: string, cmd: string, args: string[], daemon = false): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: { ...baseEnv, NX_DAEMON: String(daemon) }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return (performance.now() - start) / 1000;
}

let trash = 0;
/**
 * Moves a folder out of the way (deleted at the end): deleting thousands of files right before a
 * measurement slows the disk during it, which a fresh checkout does not pay.
 */
function clear(path: string): void {
  try {
    renameSync(path, join(BENCH_DIR, `trash-${process.pid}-${trash++}`));
  } catch {
    // Nothing to move.
  }
}

/** Median of RUNS measurements, each after `prepare`. */
function median(measure: () => number, prepare: () => void = () => undefined): number {
  const values = Array.from({ length: RUNS }, () => {
    prepare();
    return measure();
  }).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

interface BuildFigures {
  maxRssMb: number;
  objects: number;
  /** Milliseconds per phase (library load, workspace load, synthesize, validate, gate, render, write). */
  phases: Record<string, number>;
}

function singleProcess(cwd: string): { seconds: number } & BuildFigures {
  let figures: BuildFigures = { maxRssMb: 0, objects: 0, phases: {} };
  const seconds = median(
    () => {
      const start = performance.now();
      const out = execFileSync('node', ['-r', '@b2connect/k8s-lib/register', join(ROOT, 'scripts/bench-build.ts'), cwd], {
        cwd: ROOT,
        env: baseEnv,
        encoding: 'utf8',
      });
      figures = JSON.parse(out.trim().split('\n').pop()!) as BuildFigures;
      return (performance.now() - start) / 1000;
    },
    () => clear(join(cwd, 'dist')),
  );
  return { seconds, ...figures };
}

/** A throwaway git copy of the workspace (node_modules linked), optionally with generated services. */
function workspaceCopy(services: number): string {
  mkdirSync(BENCH_DIR, { recursive: true });
  const dir = mkdtempSync(join(BENCH_DIR, 'ws-'));
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
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=b@b', ...args], { cwd: dir });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return dir;
}

interface NxFigures {
  cold: number;
  cachedCi: number;
  cached: number;
  affected: number;
  perPackageCold: number;
}

/** The main job through Nx: cold and cached as in CI (no daemon), cached and affected as on a workstation (daemon). */
function nxFigures(dir: string, touch: string): NxFigures {
  const clean = () => {
    clear(join(dir, 'dist'));
    clear(join(dir, '.nx'));
  };
  const build = (daemon = false) => run(dir, NX, ['run', 'environments:build'], daemon);
  // .nx is gone, so nothing is cached: each of these runs builds everything and fills the cache.
  const perPackageCold = median(() => run(dir, NX, ['run-many', '-t', 'synth']), clean);
  const cold = median(() => build(), clean);
  const cachedCi = median(() => build());
  build(true); // starts the daemon
  build(true); // lets it finish its first graph
  const cached = median(() => build(true));
  const affected = median(
    () => run(dir, NX, ['affected', '-t', 'deploy', '-c', 'prod'], true),
    () => writeFileSync(join(dir, touch), `${readFileSync(join(dir, touch), 'utf8')}// touched\n`),
  );
  run(dir, NX, ['daemon', '--stop']);
  return { cold, cachedCi, cached, affected, perPackageCold };
}

function row(label: string, value: string, target = ''): void {
  console.log(`| ${label.padEnd(76)} | ${value.padStart(7)} | ${target.padEnd(8)} |`);
}

const s = (x: number) => `${x.toFixed(2)} s`;
console.log(`node ${process.version}, ${cpus().length} cores, median of ${RUNS} runs\n`);
console.log(`| ${'figure'.padEnd(76)} | ${'value'.padStart(7)} | ${'target'.padEnd(8)} |`);
console.log(`|${'-'.repeat(78)}|${'-'.repeat(9)}|${'-'.repeat(10)}|`);

function report(label: string, services: number, touch: string, targets: boolean): void {
  const dir = workspaceCopy(services);
  try {
    const single = singleProcess(dir);
    row(`${label}: one process, every package x 3 envs (${single.objects} objects)`, s(single.seconds), targets ? '<= 2.6 s' : '');
    row(`${label}: peak memory of that process`, `${single.maxRssMb} MB`);
    phases.push(
      `${label}: ${Object.entries(single.phases)
        .map(([phase, ms]) => `${phase} ${ms} ms`)
        .join(', ')}`,
    );
    const nx = nxFigures(dir, touch);
    row(`${label}: npm run build (nx run environments:build), cold`, s(nx.cold), targets ? '<= 2.6 s' : '');
    row(`${label}: npm run build, all cached, no daemon (CI)`, s(nx.cachedCi));
    row(`${label}: npm run build, all cached, daemon (workstation)`, s(nx.cached), '<= 1 s');
    row(`${label}: nx affected -t deploy -c prod, one service touched`, s(nx.affected), '<= 1.5 s');
    row(`${label}: nx run-many -t synth (one task per package), cold`, s(nx.perPackageCold));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const phases: string[] = [];
try {
  report('real workspace', 0, 'services/catalog/deploy.ts', false);
  report(`${GENERATED} generated services`, GENERATED, `services/gen-${String(GENERATED).padStart(3, '0')}/deploy.ts`, true);
  console.log(`\nPhases of the last one-process run:\n${phases.map((p) => `- ${p}`).join('\n')}`);
} finally {
  for (const entry of readdirSync(BENCH_DIR).filter((e) => e.startsWith(`trash-${process.pid}-`))) {
    rmSync(join(BENCH_DIR, entry), { recursive: true, force: true });
  }
}
