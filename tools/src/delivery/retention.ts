import { CONFIG_NAME_ANNOTATION, RETAINED_ANNOTATION, REVISION_HISTORY_LIMIT } from '@b2connect/k8s-lib/pipeline';

/**
 * The retention rule of content-named configs (decision 014): a package keeps the current version of
 * each ConfigMap (and ExternalSecret) named by its content, and the `CONFIG_VERSIONS_KEPT` versions
 * before it, so that `kubectl rollout undo`, an aborted rollout or a revert finds the config its pod
 * template names. A version is counted out each time a newer one replaces the current one; the one
 * past the count is pruned on that deploy. A deploy that leaves a config unchanged counts nothing.
 * Going back to an older content makes that version current again.
 */

/**
 * How many previous versions of each config object the drivers keep beside the current one: as many
 * as the revisions a Deployment keeps (`revisionHistoryLimit`), so that `kubectl rollout undo` to any
 * kept revision, or a paused canary's stable ReplicaSet, finds the ConfigMap its pod template names.
 */
export const CONFIG_VERSIONS_KEPT = REVISION_HISTORY_LIMIT;

/** One version of a config object in a target (the GitOps repository, the cluster). */
export interface ConfigVersion {
  /** The config it is a version of: API group, kind, namespace and the name without the hash. */
  readonly config: string;
  /** Its name on the cluster (`<config name>-<hash>`). */
  readonly name: string;
  /** 0 for the current version; n for the one n versions before it. */
  readonly generation: number;
}

/** The previous versions to keep, after `current` (generation 0 each) replaces the versions `previous` the target has. */
export function retainConfigs(
  previous: readonly ConfigVersion[],
  current: readonly ConfigVersion[],
  keep: number = CONFIG_VERSIONS_KEPT,
): ConfigVersion[] {
  const now = new Map(current.map((c) => [c.config, c.name]));
  const byConfig = new Map<string, ConfigVersion[]>();
  for (const v of previous) byConfig.set(v.config, [...(byConfig.get(v.config) ?? []), v]);
  const kept: ConfigVersion[] = [];
  for (const [config, versions] of [...byConfig].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const wasCurrent = versions.find((v) => v.generation === 0);
    const older = versions.filter((v) => v.generation > 0);
    const replaced = wasCurrent !== undefined && now.get(config) !== wasCurrent.name;
    const candidates = replaced ? [{ ...wasCurrent, generation: 1 }, ...older.map((v) => ({ ...v, generation: v.generation + 1 }))] : older;
    const seen = new Set<string>();
    for (const v of candidates.sort((a, b) => a.generation - b.generation)) {
      if (v.generation > keep || v.name === now.get(config) || seen.has(v.name)) continue;
      seen.add(v.name);
      kept.push(v);
    }
  }
  return kept;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read field by field
type Manifest = Readonly<Record<string, any>>;

/** The config a manifest is a version of, and its generation, or undefined for any other object. */
export function configVersionOf(o: Manifest): ConfigVersion | undefined {
  const annotations = (o.metadata?.annotations ?? {}) as Record<string, string>;
  const base = annotations[CONFIG_NAME_ANNOTATION];
  if (typeof base !== 'string' || typeof o.metadata?.name !== 'string') return undefined;
  const group = typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : 'core';
  return {
    config: `${group}/${o.kind}/${o.metadata.namespace ?? ''}/${base}`,
    name: o.metadata.name,
    generation: Number(annotations[RETAINED_ANNOTATION] ?? 0),
  };
}

/**
 * The previous versions of the config objects among `previous` (the manifests a target holds for a
 * package, kept versions included) to keep beside `current` (the manifests being published), as
 * manifests marked with their generation (`RETAINED_ANNOTATION`), in name order.
 */
export function retainedManifests(previous: readonly Manifest[], current: readonly Manifest[], keep?: number): Manifest[] {
  const versions = new Map<string, { version: ConfigVersion; manifest: Manifest }>();
  for (const o of previous) {
    const version = configVersionOf(o);
    if (version) versions.set(`${version.config}/${version.name}`, { version, manifest: o });
  }
  const now = current.flatMap((o) => {
    const v = configVersionOf(o);
    return v ? [v] : [];
  });
  const kept = retainConfigs(
    [...versions.values()].map((v) => v.version),
    now,
    keep,
  );
  return kept
    .map((v): Manifest => {
      const o = versions.get(`${v.config}/${v.name}`)!.manifest;
      return { ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [RETAINED_ANNOTATION]: String(v.generation) } } };
    })
    .sort((a, b) => (`${a.kind}/${a.metadata.name}` < `${b.kind}/${b.metadata.name}` ? -1 : 1));
}
