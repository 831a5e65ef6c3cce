import type { KubeObject } from '../check/validate';
import { dependenciesOf, dependsOnAll, type Workspace } from '../load/workspace';
import { kindOf } from '../kinds/registry';

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
    // A cycle (refused when the workspace loads) cannot recurse forever here either.
    const wave =
      !def || name === NAMESPACES_PACKAGE || seen.includes(name) ? 0 : kindOf(def).wave(def.spec, (dep) => waveOf(dep, [...seen, name]));
    if (!seen.includes(name)) waves.set(name, wave);
    return wave;
  };
  const names = [...ws.packages.keys()];
  const own = names.filter((name) => !dependsOnAll(ws.packages.get(name)!.definition));
  const last = Math.max(0, ...own.map((name) => waveOf(name))) + 1;
  return names
    .map((name) => ({ name, wave: own.includes(name) ? waveOf(name) : last }))
    .sort((a, b) => a.wave - b.wave || (a.name < b.name ? -1 : 1));
}

/** Fields that name a cluster-scoped object by name alone, and the kind they name. */
const CLUSTER_REFERENCE_FIELDS: Readonly<Record<string, string>> = {
  storageClassName: 'StorageClass', // PVCs, volumeClaimTemplates, RabbitmqCluster persistence
  storageClass: 'StorageClass', // CloudNativePG storage
  priorityClassName: 'PriorityClass',
  ingressClassName: 'IngressClass',
  runtimeClassName: 'RuntimeClass',
};
/** Annotations that name a cluster-scoped object. */
const CLUSTER_REFERENCE_ANNOTATIONS: Readonly<Record<string, string>> = {
  'cert-manager.io/cluster-issuer': 'ClusterIssuer',
};

/** Whether an object is cluster-scoped: in a bundle, only those have no namespace (see ClusterPackageSpec.build). */
export function isClusterScoped(o: KubeObject): boolean {
  return !o.metadata.namespace;
}

/** `Kind/name` of every cluster-scoped object `o` refers to: by the fields above, or as a `{ kind, name }` reference. */
export function clusterReferences(o: KubeObject, clusterKinds: ReadonlySet<string>): Set<string> {
  const refs = new Set<string>();
  for (const [key, kind] of Object.entries(CLUSTER_REFERENCE_ANNOTATIONS)) {
    const name = (o.metadata.annotations as Readonly<Record<string, string>> | undefined)?.[key];
    if (name) refs.add(`${kind}/${name}`);
  }
  const walk = (value: unknown, top: boolean) => {
    if (Array.isArray(value)) return value.forEach((v) => walk(v, false));
    if (!value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    // A reference such as secretStoreRef: { kind: ClusterSecretStore, name } or issuerRef: { kind: ClusterIssuer, name }.
    if (!top && typeof record.kind === 'string' && typeof record.name === 'string' && clusterKinds.has(record.kind)) {
      refs.add(`${record.kind}/${record.name}`);
    }
    for (const [key, v] of Object.entries(record)) {
      if (top && key === 'metadata') continue;
      if (typeof v === 'string' && CLUSTER_REFERENCE_FIELDS[key]) refs.add(`${CLUSTER_REFERENCE_FIELDS[key]}/${v}`);
      else walk(v, false);
    }
  };
  walk(o, true);
  return refs;
}

/**
 * What each package needs deployed before it, for engines that order by dependency (Flux `dependsOn`):
 * the packages it declares in `dependsOn`, the namespaces package (for every package but itself), and
 * the packages that emit the cluster-scoped objects it refers to (the StorageClass of a volume, the
 * ClusterSecretStore of an ExternalSecret, the ClusterIssuer of a certificate, a PriorityClass), read
 * from the objects themselves. Sorted; never the package itself.
 */
export function deploymentDependencies(ws: Workspace, bundle: ReadonlyMap<string, readonly KubeObject[]>): Map<string, string[]> {
  const provider = new Map<string, string>();
  for (const [name, objects] of bundle) for (const o of objects) if (isClusterScoped(o)) provider.set(`${o.kind}/${o.metadata.name}`, name);
  const clusterKinds = new Set([...provider.keys()].map((key) => key.split('/')[0]!));
  const result = new Map<string, string[]>();
  for (const [name, objects] of bundle) {
    const def = ws.packages.get(name)?.definition;
    const deps = new Set(def ? dependenciesOf(def) : []);
    if (name !== NAMESPACES_PACKAGE && bundle.has(NAMESPACES_PACKAGE)) deps.add(NAMESPACES_PACKAGE);
    for (const o of objects) {
      for (const ref of clusterReferences(o, clusterKinds)) {
        const from = provider.get(ref);
        if (from) deps.add(from);
      }
    }
    deps.delete(name);
    result.set(name, [...deps].sort());
  }
  return result;
}
