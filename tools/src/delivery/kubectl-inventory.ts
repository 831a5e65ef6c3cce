import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';

import { MANAGED_BY } from '@b2connect/k8s-lib/pipeline';

/**
 * The kubectl driver's inventory: per environment and package, one ConfigMap in the cluster listing every
 * object the driver applied for the package. Pruning deletes what an inventory lists and the bundle no longer
 * has, so a kind whose last object left the bundle is pruned too, and so is every object of a package that
 * left the commit. CI clones afresh on every run, hence the inventory lives in the cluster, not on disk.
 *
 * The ConfigMaps live in kube-system: it exists before the first deploy (the environment's namespace is made by
 * the `namespaces` package, and not at all in a server-side dry run) and outlives a namespace deleted by hand;
 * the environment name in their names and labels keeps environments that share a cluster apart.
 */
export const INVENTORY_NAMESPACE = 'kube-system';
/** Label of every inventory ConfigMap; its value is the environment name. */
export const INVENTORY_LABEL = 'b2connect.io/deploy-inventory';

/** An applied object, enough to find it again (to wait for it, to delete it) without its manifest. */
export interface ObjectRef {
  /** API group, `core` for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /**
   * The namespace as the manifest declares it: '' for cluster-scoped objects, and for namespaced objects that
   * leave it to kubectl (which puts them in the context's namespace: see `Inventory.defaultNamespace`).
   */
  readonly namespace: string;
  readonly name: string;
}

/** One object of a package's bundle folder: its reference and the manifest it came from. */
export interface PackageObject {
  readonly ref: ObjectRef;
  readonly manifest: Readonly<Record<string, unknown>>;
}

export interface Inventory {
  readonly package: string;
  /** The namespace kubectl gave to objects that declare none when they were applied. */
  readonly defaultNamespace: string;
  /** In apply order. */
  readonly objects: readonly ObjectRef[];
  /**
   * The content-named config objects among `objects`, current (generation 0) and previous versions kept
   * for rollback (retention.ts): what the next deploy counts and prunes them by. @default - none
   */
  readonly configs?: readonly InventoryConfig[];
}

/** A content-named config object of an inventory: its generation and the name it has without the hash. */
export interface InventoryConfig {
  readonly ref: ObjectRef;
  readonly configName: string;
  readonly generation: number;
}

/** `group/version/Kind/namespace/name`, the inventory's line for an object (none of the parts holds a slash). */
export function formatRef(r: ObjectRef): string {
  return `${r.group}/${r.version}/${r.kind}/${r.namespace}/${r.name}`;
}

export function parseRef(line: string): ObjectRef | undefined {
  const parts = line.split('/');
  if (parts.length !== 5) return undefined;
  const [group, version, kind, namespace, name] = parts as [string, string, string, string, string];
  if (!group || !version || !kind || !name) return undefined;
  return { group, version, kind, namespace, name };
}

/**
 * The identity of an object: group, kind, namespace and name. The version is left out: an object served under
 * a newer version (v1beta1 to v1) is the same object, and must not be pruned as if it had left the bundle.
 */
export function refKey(r: ObjectRef): string {
  return `${r.group}/${r.kind}/${r.namespace}/${r.name}`;
}

/**
 * kubectl's TYPE/NAME for an object (`Deployment.apps/catalog`, `Service/catalog`): without the version, so
 * kubectl resolves the one the server serves, also for an object recorded under a version since removed.
 */
export function resourceArg(r: ObjectRef): string {
  return `${r.group === 'core' ? r.kind : `${r.kind}.${r.group}`}/${r.name}`;
}

/** Reference of a manifest, core group as `core`; undefined when it is not a Kubernetes object. */
export function refOf(o: Readonly<Record<string, unknown>>): ObjectRef | undefined {
  const { apiVersion, kind, metadata } = o as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || typeof metadata?.name !== 'string') return undefined;
  const [group, version] = apiVersion.includes('/') ? (apiVersion.split('/') as [string, string]) : ['core', apiVersion];
  return { group, version, kind, namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '', name: metadata.name };
}

const KUSTOMIZATION_FIELDS = ['apiVersion', 'kind', 'metadata', 'resources'];

/**
 * The objects a package folder applies, in order: the resources its kustomization.yaml lists, read as they are.
 * A kustomization that transforms them (namespace, name prefix, patches, ...) is refused, since the inventory
 * would then record other names than kubectl applies.
 */
export function packageObjects(dir: string): PackageObject[] {
  const file = join(dir, 'kustomization.yaml');
  if (!existsSync(file)) throw new Error(`${file} does not exist: build the package into ${dir} before publishing it`);
  const kustomization = (load(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  const transforms = Object.keys(kustomization).filter((k) => !KUSTOMIZATION_FIELDS.includes(k));
  if (transforms.length > 0) {
    throw new Error(
      `${file}: ${transforms.join(', ')}: not supported by the kubectl driver, which records the objects of \`resources\` as they are; ` +
        `write the objects as they must be applied and list them under resources`,
    );
  }
  const objects: PackageObject[] = [];
  for (const resource of (kustomization.resources ?? []) as string[]) {
    const path = join(dir, resource);
    if (existsSync(path) && statSync(path).isDirectory()) {
      objects.push(...packageObjects(path));
      continue;
    }
    for (const manifest of loadAll(readFileSync(path, 'utf8')) as (Record<string, unknown> | null)[]) {
      if (!manifest) continue;
      const ref = refOf(manifest);
      if (!ref) throw new Error(`${path}: an object without apiVersion, kind or metadata.name; every object needs all three`);
      objects.push({ ref, manifest });
    }
  }
  return objects;
}

/** Name of a package's inventory ConfigMap: a DNS subdomain, unique per environment and package. */
export function inventoryName(env: string, pkg: string): string {
  const dns = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  return `b2connect-deploy.${dns(env)}.${dns(pkg)}`;
}

/** The inventory as the ConfigMap stored in the cluster (one object line per applied object). */
export function inventoryConfigMap(env: string, inventory: Inventory): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: inventoryName(env, inventory.package),
      namespace: INVENTORY_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, [INVENTORY_LABEL]: env },
    },
    data: {
      environment: env,
      package: inventory.package,
      defaultNamespace: inventory.defaultNamespace,
      objects: inventory.objects.map((r) => `${formatRef(r)}\n`).join(''),
      ...(inventory.configs?.length
        ? { configs: inventory.configs.map((c) => `${c.generation} ${c.configName} ${formatRef(c.ref)}\n`).join('') }
        : {}),
    },
  };
}

/** The inventories of an environment, by package, from `kubectl get configmaps -o json` (see `inventoryGetArgs`). */
export function parseInventories(env: string, json: string): Map<string, Inventory> {
  const list = JSON.parse(json) as { items?: { metadata?: { name?: string }; data?: Record<string, string> }[] };
  const inventories = new Map<string, Inventory>();
  for (const item of list.items ?? []) {
    const data = item.data ?? {};
    if (data.environment !== env) continue;
    const where = `configmap ${INVENTORY_NAMESPACE}/${item.metadata?.name}`;
    if (!data.package || !data.defaultNamespace) {
      throw new Error(
        `${where}: not an inventory of the kubectl driver (no package or defaultNamespace); remove its ${INVENTORY_LABEL} label`,
      );
    }
    const objects = (data.objects ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const ref = parseRef(line);
        if (!ref) throw new Error(`${where}: "${line}" is not group/version/kind/namespace/name; correct the line or delete it`);
        return ref;
      });
    const configs = (data.configs ?? '')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [generation, configName, refLine] = line.split(' ');
        const ref = refLine ? parseRef(refLine) : undefined;
        if (!ref || !configName || !/^\d+$/.test(generation ?? '')) {
          throw new Error(
            `${where}: configs: "${line}" is not "<generation> <config name> group/version/kind/namespace/name"; correct the line or delete it`,
          );
        }
        return { ref, configName, generation: Number(generation) };
      });
    inventories.set(data.package, {
      package: data.package,
      defaultNamespace: data.defaultNamespace,
      objects,
      ...(configs.length > 0 ? { configs } : {}),
    });
  }
  return inventories;
}
