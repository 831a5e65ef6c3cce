// Speed and memory of the main job against `helm template` of an umbrella chart and plain
// cdk8s-plus-28 rendering the same objects (scripts/reference-helm.ts, scripts/reference-cdk8s.ts),
// on workspaces of the real packages plus 50, 200 and 800 generated services. Not a test: it prints
// figures and the targets' verdicts (record them in docs/performance.md). `npm run benchmark`;
// BENCH_QUICK=1 for the quick mode (3 pairs instead of 7, under five minutes on 2 cores).
//
// How it measures, and why:
// - One core: every measured process runs under `taskset -c 0` (when taskset exists), so that helm's
//   Go runtime and node's helper threads get the same single core and ratios do not depend on how
//   many cores are idle.
// - In turns: one run of each command per round, the order rotated every round, `sync` before each
//   run. This machine's speed drifts by 10 to 50 % within minutes, so each verdict is the median of
//   per-round ratios (ours / helm of the same round), never a ratio of medians or an absolute time.
// - Warm loader caches: each workspace copy gets one untimed run first, as any run after a checkout.
// - Workspace copies live under .bench/ (BENCH_DIR), node_modules linked; the loader's caches of the
//   measured processes live there too and go with them.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_RUNS ?? (QUICK ? 3 : 7));
const SIZES = (process.env.BENCH_SIZES ?? '50,200,800').split(',').map(Number);
/** The size the Nx figures (main job, affected deploy, cached build) are taken at. */
const NX_SIZE = SIZES.includes(200) ? 200 : SIZES[Math.floor(SIZES.length / 2)]!;
const BENCH_DIR = process.env.BENCH_DIR ?? join(ROOT, '.bench');
const NX = join(ROOT, 'node_modules/.bin/nx');
const PIN = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];
const CACHE_DIR = join(BENCH_DIR, `cache-${process.pid}`);
const baseEnv = {
  ...process.env,
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  B2CONNECT_TS_CACHE: join(CACHE_DIR, 'ts'),
  V8_COMPILE_CACHE_CACHE_DIR: join(CACHE_DIR, 'v8'),
  NODE_COMPILE_CACHE: join(CACHE_DIR, 'v8'),
};

/** Runs a command on the pinned core; returns its wall time in seconds and its standard output. */
function run(cwd: string, cmd: string, args: string[], daemon = false): { seconds: number; stdout: string } {
  const [pinned, ...rest] = [...PIN, cmd, ...args];
  const start = performance.now();
  const r = spawnSync(pinned!, rest, { cwd, env: { ...baseEnv, NX_DAEMON: String(daemon) }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

/** The last line of a script's output, as JSON. */
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop()!) as T;

/** Runs scripts/<script> in a fresh node on the pinned core. */
function nodeScript(script: string, args: string[]): { seconds: number; stdout: string } {
  return run(ROOT, process.execPath, ['-r', '@b2connect/k8s-lib/register', join(ROOT, 'scripts', script), ...args]);
}

let trash = 0;
/** Moves a folder out of the way (deleted at the end): deleting thousands of files right before a run slows the disk during it. */
function clear(path: string): void {
  try {
    renameSync(path, join(BENCH_DIR, `trash-${process.pid}-${trash++}`));
  } catch {
    // Nothing to move.
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Measurement {
  /** Runs once and returns seconds. */
  readonly measure: () => number;
  /** Runs before each measurement, untimed. */
  readonly prepare?: () => void;
}

/** ROUNDS runs of each measurement in turns (one of each per round, order rotated), after one untimed run of each. */
function inTurns(...measurements: Measurement[]): number[][] {
  for (const m of measurements) {
    m.prepare?.();
    m.measure();
  }
  const values = measurements.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < measurements.length; k++) {
      const i = (k + round) % measurements.length;
      measurements[i]!.prepare?.();
      spawnSync('sync');
      values[i]!.push(measurements[i]!.measure());
    }
  }
  return values;
}

/** Median of the per-round ratios a[r] / b[r]. */
const pairedRatio = (a: readonly number[], b: readonly number[]) => median(a.map((x, r) => x / b[r]!));

/** A throwaway git copy of the workspace (node_modules linked) with `services` generated web services. */
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

interface BuildFigures {
  objects: number;
  maxRssMb: number;
  /** Milliseconds per phase (library load, workspace load, resolve, synthesize, validate, gate, render, write). */
  phases: Record<string, number>;
}

interface SizeFigures {
  services: number;
  objects: number;
  ours: number[];
  helm: number[];
  cdk8s: number[];
  /** Node loading the library and nothing else: the floor of any build in one process. */
  library: number[];
  phases: Record<string, number>[];
  oursRssMb: number;
  helmRssMb: number;
  helmObjects: number;
}

/** The cold one-process build, helm and cdk8s-plus-28 at one size, in turns. */
function measureSize(services: number, dir: string, refDir: string): SizeFigures {
  let objects = 0;
  let helmObjects = 0;
  let oursRssMb = 0;
  let helmRssMb = 0;
  const phases: Record<string, number>[] = [];
  const [ours, helm, cdk8s, library] = inTurns(
    {
      prepare: () => clear(join(dir, 'dist')),
      measure: () => {
        const r = nodeScript('bench-build.ts', [dir]);
        const f = lastJson<BuildFigures>(r.stdout);
        objects = f.objects;
        oursRssMb = Math.max(oursRssMb, f.maxRssMb);
        phases.push(f.phases);
        return r.seconds;
      },
    },
    {
      prepare: () => clear(join(refDir, 'helm', 'out')),
      // helm's own run time: the node process around it only writes the chart (once) and counts objects.
      measure: () => {
        const f = lastJson<{ objects: number; ms: number; maxRssMb?: number }>(
          nodeScript('reference-helm.ts', [join(refDir, 'helm'), String(services)]).stdout,
        );
        helmObjects = f.objects;
        helmRssMb = Math.max(helmRssMb, f.maxRssMb ?? 0);
        return f.ms / 1000;
      },
    },
    {
      prepare: () => clear(join(refDir, 'cdk8s')),
      measure: () => nodeScript('reference-cdk8s.ts', [join(refDir, 'cdk8s'), String(services)]).seconds,
    },
    {
      measure: () =>
        run(dir, process.execPath, ['-r', '@b2connect/k8s-lib/register', '-e', "require('@b2connect/k8s-lib/pipeline')"]).seconds,
    },
  );
  // The untimed first run is not a figure.
  phases.shift();
  return { services, objects, ours: ours!, helm: helm!, cdk8s: cdk8s!, library: library!, phases, oursRssMb, helmRssMb, helmObjects };
}

interface NxFigures {
  cold: number[];
  helm: number[];
  affected: number[];
  affectedGraph: number[];
  cached: number[];
}

/** The main job through Nx (`npm run build` runs `nx run environments:build`) at one size. */
function measureNx(services: number, dir: string, refDir: string): NxFigures {
  const nxBuild = (daemon: boolean) => run(dir, NX, ['run', 'environments:build'], daemon).seconds;
  const helm: Measurement = {
    prepare: () => clear(join(refDir, 'helm', 'out')),
    measure: () => lastJson<{ ms: number }>(nodeScript('reference-helm.ts', [join(refDir, 'helm'), String(services)]).stdout).ms / 1000,
  };
  const [cold, helmRuns] = inTurns(
    {
      // No bundles and no Nx cache, as on CI.
      prepare: () => {
        clear(join(dir, 'dist'));
        clear(join(dir, '.nx'));
      },
      measure: () => nxBuild(false),
    },
    helm,
  );
  const touch = join(dir, 'services', `gen-${String(services).padStart(3, '0')}`, 'deploy.ts');
  const touchIt = () => writeFileSync(touch, `${readFileSync(touch, 'utf8')}// touched\n`);
  try {
    nxBuild(true); // starts the daemon and fills the cache
    const [cached, affected, affectedGraph] = inTurns(
      // A touch in an earlier turn invalidates the cache: build once, untimed, then measure the cached run.
      { prepare: () => nxBuild(true), measure: () => nxBuild(true) },
      // The affected deploy and Nx alone (`nx show projects --affected`) in the same round: their
      // difference is the part of the affected deploy that is ours.
      { prepare: touchIt, measure: () => run(dir, NX, ['affected', '-t', 'deploy', '-c', 'prod'], true).seconds },
      { prepare: touchIt, measure: () => run(dir, NX, ['show', 'projects', '--affected'], true).seconds },
    );
    return { cold: cold!, helm: helmRuns!, affected: affected!, affectedGraph: affectedGraph!, cached: cached! };
  } finally {
    spawnSync(NX, ['daemon', '--stop'], { cwd: dir, env: baseEnv });
  }
}

/** A plain CPU loop's time: how fast the machine was during this run. */
function cpuLoopSeconds(): number {
  const script = 'let x = 0; for (let i = 0; i < 3e8; i++) x = (x + i * 7) % 1000003; if (x < 0) console.log(x);';
  return median([0, 1, 2].map(() => run(ROOT, process.execPath, ['-e', script]).seconds));
}

const s = (x: number) => `${x.toFixed(2)} s`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const x = (r: number) => `${r.toFixed(2)}x`;
const verdicts: string[] = [];
function verdict(figure: string, value: string, target: string, met: boolean): void {
  verdicts.push(`| ${figure.padEnd(64)} | ${value.padStart(9)} | ${target.padEnd(10)} | ${met ? 'yes' : 'no '} |`);
}

mkdirSync(BENCH_DIR, { recursive: true });
console.log(
  `node ${process.version}, ${cpus().length} cores, ${PIN.length ? 'pinned to core 0' : 'not pinned (no taskset)'}, ${ROUNDS} rounds${QUICK ? ' (quick)' : ''}`,
);
console.log(`plain CPU loop at start: ${s(cpuLoopSeconds())}\n`);

const figures: SizeFigures[] = [];
let nx: NxFigures | undefined;
try {
  for (const services of SIZES) {
    const dir = workspaceCopy(services);
    const refDir = mkdtempSync(join(BENCH_DIR, 'ref-'));
    try {
      const f = measureSize(services, dir, refDir);
      figures.push(f);
      console.log(
        `N=${services}: ours ${s(median(f.ours))} (${f.objects} objects), helm ${s(median(f.helm))} (${f.helmObjects}), ` +
          `cdk8s-plus-28 ${s(median(f.cdk8s))}; ours/helm ${x(pairedRatio(f.ours, f.helm))}, ours/cdk8s ${x(pairedRatio(f.ours, f.cdk8s))}; ` +
          `peak memory ours ${f.oursRssMb} MiB, helm ${f.helmRssMb || 'n/a'} MiB`,
      );
      // Our bundles hold more per service than the references' 8 objects (monitors, rules, dashboards,
      // mesh policies, blue-green slots in prod): the same ratio per object written, for context.
      const perObject = pairedRatio(
        f.ours.map((o) => o / f.objects),
        f.helm.map((h) => h / f.helmObjects),
      );
      console.log(`  per object written: ours/helm ${x(perObject)}`);
      // What the library alone costs, measured in the same rounds: node loading it (cdk8s, cdk8s-plus-28,
      // the Kubernetes schemas, zod) and plain cdk8s-plus-28 rendering the references' objects.
      console.log(
        `  floors: loading the library alone ${s(median(f.library))} (${x(pairedRatio(f.library, f.helm))} helm); ` +
          `plain cdk8s-plus-28 on the references' objects ${x(pairedRatio(f.cdk8s, f.helm))} helm`,
      );
      const phaseNames = Object.keys(f.phases[0] ?? {});
      console.log(`  phases (median ms): ${phaseNames.map((p) => `${p} ${median(f.phases.map((ph) => ph[p] ?? 0))}`).join(', ')}`);
      if (services === NX_SIZE) {
        nx = measureNx(services, dir, refDir);
        console.log(
          `N=${services} through Nx: cold main job ${s(median(nx.cold))} (helm ${s(median(nx.helm))}, ratio ${x(pairedRatio(nx.cold, nx.helm))}); ` +
            `cached (daemon) ${s(median(nx.cached))}; affected deploy ${s(median(nx.affected))}, Nx alone ${s(median(nx.affectedGraph))}`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(refDir, { recursive: true, force: true });
    }
  }
  console.log(`plain CPU loop at end: ${s(cpuLoopSeconds())}\n`);

  const at = (n: number) => figures.find((f) => f.services === n);
  const f200 = at(200);
  if (f200)
    verdict(
      'one process, cold, N=200: ours / helm (median of pairs)',
      x(pairedRatio(f200.ours, f200.helm)),
      '<= 0.60x',
      pairedRatio(f200.ours, f200.helm) <= 0.6,
    );
  if (nx) {
    const r = pairedRatio(nx.cold, nx.helm);
    verdict(`main job (nx run environments:build), cold, N=${NX_SIZE}: ours / helm`, x(r), '<= 0.80x', r <= 0.8);
    const share = median(nx.affected.map((a, i) => a - nx!.affectedGraph[i]!));
    verdict(`affected deploy of one service, N=${NX_SIZE}: minus Nx alone`, s(share), '<= 0.40 s', share <= 0.4);
  }
  const [small, mid, large] = [at(50), at(200), at(800)];
  if (small && mid && large) {
    const marginal = (a: SizeFigures, b: SizeFigures, pick: (f: SizeFigures) => number) =>
      ((pick(b) - pick(a)) * 1000) / (b.services - a.services);
    const total = (f: SizeFigures) => median(f.ours);
    const low = marginal(small, mid, total);
    const high = marginal(mid, large, total);
    console.log(`cost of an extra service: ${ms(low)} between 50 and 200, ${ms(high)} between 200 and 800`);
    verdict('linear: extra service 200..800 / 50..200', x(high / low), '<= 1.15x', high / low <= 1.15);
    for (const phase of Object.keys(mid.phases[0] ?? {})) {
      const pick = (f: SizeFigures) => median(f.phases.map((p) => p[phase] ?? 0)) / 1000;
      const [pl, ph] = [marginal(small, mid, pick), marginal(mid, large, pick)];
      console.log(`  ${phase}: ${ms(pl)} then ${ms(ph)} per extra service`);
      // A phase whose marginal cost is below 0.2 ms is noise-bound; it is listed, not judged.
      if (pl >= 0.2) verdict(`  no phase grows faster than linearly: ${phase}`, x(ph / pl), '<= 1.15x', ph / pl <= 1.15);
    }
    if (large.helmRssMb) {
      const r = large.oursRssMb / large.helmRssMb;
      verdict(`peak memory at N=800: ours ${large.oursRssMb} MiB / helm ${large.helmRssMb} MiB`, x(r), '<= 1.50x', r <= 1.5);
    }
  }
  if (nx) console.log(`fully cached npm run build (daemon), N=${NX_SIZE}: ${s(median(nx.cached))}`);
  console.log(`\n| ${'target'.padEnd(64)} | ${'value'.padStart(9)} | ${'target'.padEnd(10)} | met |`);
  console.log(`|${'-'.repeat(66)}|${'-'.repeat(11)}|${'-'.repeat(12)}|-----|`);
  console.log(verdicts.join('\n'));
  console.log('\nEach round, ours / helm (one process):');
  for (const f of figures) console.log(`- N=${f.services}: ${f.ours.map((o, r) => `${s(o)} / ${s(f.helm[r]!)}`).join(', ')}`);
} finally {
  for (const entry of readdirSync(BENCH_DIR).filter((e) => e.startsWith(`trash-${process.pid}-`))) {
    rmSync(join(BENCH_DIR, entry), { recursive: true, force: true });
  }
  rmSync(CACHE_DIR, { recursive: true, force: true });
}
