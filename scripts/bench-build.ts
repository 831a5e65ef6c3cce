// One cold process: load the synthesizer, build every package of every environment of a workspace, print figures.
const started = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- timed: loading the library is part of the figure
const { buildBundles } = require('@b2connect/k8s-lib/pipeline') as typeof import('@b2connect/k8s-lib/pipeline');
const loadedMs = performance.now() - started;

const root = process.argv[2] ?? process.cwd();
const timings = new Map<string, number>();
// As the main job builds: objects counted as they are written, not kept.
let objects = 0;
const environments = new Set<string>();
buildBundles(root, {
  timings,
  keepObjects: false,
  onPackage: (env, _pkg, count) => {
    environments.add(env);
    objects += count;
  },
})
  .then((result) => {
    console.log(
      JSON.stringify({
        packages: result.workspace.packages.size,
        environments: environments.size,
        objects,
        // Milliseconds: loading the library, then each phase of the build.
        phases: { library: Math.round(loadedMs), ...Object.fromEntries([...timings].map(([k, v]) => [k, Math.round(v)])) },
        buildMs: Math.round(performance.now() - started),
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  })
  .catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
