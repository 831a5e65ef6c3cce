import { dependenciesOf, dependsOnAll, type Workspace } from './workspace';

/** The package that creates the namespace and its policies: always first. */
export const NAMESPACES_PACKAGE = 'namespaces';

/**
 * Deployment order of the packages for GitOps engines: the namespaces (0), the other cluster-level
 * packages, CRD-backed infra (1), data stores (2), services and frontends (3), and cluster-level
 * packages that depend on services, such as the ingress, after what they depend on; a package that
 * depends on every other one (`dependsOnAll`, the GitOps objects) last.
 */
export function syncWaves(ws: Workspace): { name: string; wave: number }[] {
  const waves = new Map<string, number>();
  const waveOf = (name: string, seen: readonly string[] = []): number => {
    const known = waves.get(name);
    if (known !== undefined) return known;
    const def = ws.packages.get(name)?.definition;
    let wave = 3;
    if (!def) wave = 0;
    else if (name === NAMESPACES_PACKAGE) wave = 0;
    else if (def.kind === 'store') wave = 2;
    else if (def.kind === 'cluster') {
      const deps = dependenciesOf(def).filter((d) => !seen.includes(d));
      wave = deps.length > 0 ? Math.max(...deps.map((d) => waveOf(d, [...seen, name]))) + 1 : 1;
    }
    waves.set(name, wave);
    return wave;
  };
  const names = [...ws.packages.keys()];
  const own = names.filter((name) => !dependsOnAll(ws.packages.get(name)!.definition));
  const last = Math.max(0, ...own.map((name) => waveOf(name))) + 1;
  return names
    .map((name) => ({ name, wave: own.includes(name) ? waveOf(name) : last }))
    .sort((a, b) => a.wave - b.wave || (a.name < b.name ? -1 : 1));
}
