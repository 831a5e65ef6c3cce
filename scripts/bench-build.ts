// One cold process: load the synthesizer, build every package of every environment of a workspace, print figures.
import { buildBundles } from '@b2connect/k8s-lib';

const root = process.argv[2] ?? process.cwd();
const started = performance.now();
buildBundles(root, { commit: 'benchmark' })
  .then((result) => {
    const objects = [...result.bundles.values()].reduce((n, pkgs) => n + [...pkgs.values()].reduce((m, o) => m + o.length, 0), 0);
    const packages = result.workspace.packages.size;
    console.log(
      JSON.stringify({
        packages,
        environments: result.bundles.size,
        objects,
        buildMs: Math.round(performance.now() - started),
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      }),
    );
  })
  .catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
