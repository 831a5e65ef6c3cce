import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  INVENTORY_LABEL,
  INVENTORY_NAMESPACE,
  inventoryConfigMap,
  inventoryName,
  packageObjects,
  parseInventories,
  refKey,
  resourceArg,
  type Inventory,
  type InventoryConfig,
  type ObjectRef,
  type PackageObject,
} from './kubectl-inventory';
import { CONFIG_NAME_ANNOTATION, toYaml } from '@b2connect/k8s-lib/pipeline';
import { configVersionOf, retainConfigs } from './retention';
import type { PublishRequest, PublishResult } from './types';

/**
 * Runs kubectl with arguments, `input` on its standard input; injectable so commands and guards are tested
 * without a cluster. Rejects (with `stderr` on the error) when kubectl exits non-zero.
 */
export type KubectlRunner = (args: readonly string[], input?: string) => Promise<{ stdout: string }>;

export interface KubectlOptions {
  /** How long to wait for each stage's rollouts, per object (a kubectl duration). @default '5m' */
  readonly timeout?: string;
}

export const FIELD_MANAGER = 'b2connect-deploy';
export const DEFAULT_TIMEOUT = '5m';

export function defaultKubectl(root: string): KubectlRunner {
  const local = join(root, '.tools/bin/kubectl');
  const bin = existsSync(local) ? local : 'kubectl';
  return (args, input) => {
    const child = promisify(execFile)(bin, [...args], { maxBuffer: 64 * 1024 * 1024 });
    child.child.stdin?.end(input);
    return child;
  };
}

/** Kinds never pruned (group/version/Kind, any version): data outlives the bundle (backup volumes carry the same rule for Argo CD and Flux). */
export const NEVER_PRUNED = ['core/v1/PersistentVolumeClaim', 'core/v1/Namespace'];

export function isNeverPruned(r: ObjectRef): boolean {
  return NEVER_PRUNED.some((k) => {
    const [group, , kind] = k.split('/');
    return r.group === group && r.kind === kind;
  });
}

const dryRunArgs = (dryRun: boolean) => (dryRun ? ['--dry-run=server'] : []);
const serverSide = ['--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts'];

/** The apply of one package: its own folder, server-side, our field manager. Pruning is the inventory's (see `pruneArgs`). */
export function applyPackageArgs(packageDir: string, context: string, dryRun: boolean): string[] {
  return ['apply', `--context=${context}`, ...serverSide, '-k', packageDir, ...dryRunArgs(dryRun)];
}

/** The namespace kubectl gives to objects that declare none: the context's, printed empty when it is `default`. */
export function contextNamespaceArgs(context: string): string[] {
  return ['config', 'view', '--minify', `--context=${context}`, '-o', 'jsonpath={.contexts[0].context.namespace}'];
}

/** Reads the inventories of an environment (see `parseInventories`). */
export function inventoryGetArgs(context: string, env: string): string[] {
  return [
    'get',
    'configmaps',
    `--context=${context}`,
    `--namespace=${INVENTORY_NAMESPACE}`,
    '-l',
    `${INVENTORY_LABEL}=${env}`,
    '-o',
    'json',
  ];
}

/** Writes an inventory: the ConfigMap of `inventoryConfigMap`, as JSON on standard input. */
export function inventoryApplyArgs(context: string, dryRun: boolean): string[] {
  return ['apply', `--context=${context}`, ...serverSide, '-f', '-', ...dryRunArgs(dryRun)];
}

/** Deletes the inventory of a package removed from the commit, once its objects are pruned. */
export function inventoryDeleteArgs(context: string, env: string, pkg: string, dryRun: boolean): string[] {
  return [
    'delete',
    `--context=${context}`,
    `--namespace=${INVENTORY_NAMESPACE}`,
    '--ignore-not-found',
    `configmap/${inventoryName(env, pkg)}`,
    ...dryRunArgs(dryRun),
  ];
}

/**
 * Deletes objects of one namespace (cluster-scoped ones ignore it) that left the bundle; already gone is fine.
 * Refuses volumes and namespaces, whoever asks: they are never pruned.
 */
export function pruneArgs(context: string, namespace: string, refs: readonly ObjectRef[], timeout: string, dryRun: boolean): string[] {
  const kept = refs.filter(isNeverPruned);
  if (kept.length > 0) throw new Error(`${kept.map(resourceArg).join(', ')}: never pruned (${NEVER_PRUNED.join(', ')}); delete it by hand`);
  return [
    'delete',
    `--context=${context}`,
    `--namespace=${namespace}`,
    '--ignore-not-found',
    `--timeout=${timeout}`,
    ...refs.map(resourceArg),
    ...dryRunArgs(dryRun),
  ];
}

/** Custom resources of the stores' operators, and the condition that says they serve. */
const READY_CONDITIONS: Readonly<Record<string, string>> = {
  'apiextensions.k8s.io/CustomResourceDefinition': 'Established',
  'batch/Job': 'Complete',
  'postgresql.cnpg.io/Cluster': 'Ready',
  'rabbitmq.com/RabbitmqCluster': 'AllReplicasReady',
};
const ROLLOUT_KINDS = ['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet'];

/**
 * What waits for an applied object to be ready, or undefined when nothing does: `rollout status` for the
 * workloads (not for an OnDelete update strategy, which never rolls out by itself), `wait --for=condition` for
 * CRDs (Established, before the next stage creates their objects), Jobs and the stores' operator resources.
 */
export function waitArgs(context: string, object: PackageObject, namespace: string, timeout: string): string[] | undefined {
  const { ref, manifest } = object;
  const gk = `${ref.group}/${ref.kind}`;
  const common = [`--context=${context}`, `--namespace=${namespace}`, `--timeout=${timeout}`, resourceArg(ref)];
  if (ROLLOUT_KINDS.includes(gk)) {
    const strategy = (manifest.spec as { updateStrategy?: { type?: string } } | undefined)?.updateStrategy?.type;
    return strategy === 'OnDelete' ? undefined : ['rollout', 'status', ...common];
  }
  const condition = READY_CONDITIONS[gk];
  return condition ? ['wait', `--for=condition=${condition}`, ...common] : undefined;
}

/** The name of a stage, from the waves of k8s-lib's `syncWaves`. */
export function stageName(wave: number): string {
  const what = ['namespaces', 'cluster infra', 'stores', 'services'][wave] ?? 'after services';
  return `wave ${wave} (${what})`;
}

function kubectlMessage(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr?.trim() || err.message || String(e)).trim();
}

interface PlannedPackage {
  readonly name: string;
  readonly wave: number;
  readonly dir: string;
  readonly objects: readonly PackageObject[];
  /** Blue-green: the live slot's objects the cluster has, left as they are (not applied, not pruned). @default [] */
  readonly live?: readonly ObjectRef[];
}

/**
 * Blue-green: a slotted package whose inventory already has objects in the live slot applies its
 * objects of the other slots only, from a folder of their own; the live slot keeps what it runs.
 */
function idleSlotOnly(pkg: PlannedPackage, previous: Inventory | undefined, liveNamespace: string): PlannedPackage {
  const live = (previous?.objects ?? []).filter((r) => r.namespace === liveNamespace);
  if (live.length === 0) return pkg;
  const objects = pkg.objects.filter((o) => o.ref.namespace !== liveNamespace);
  const dir = mkdtempSync(join(tmpdir(), `b2c-idle-${pkg.name}-`));
  writeFileSync(join(dir, 'manifests.yaml'), objects.map((o) => `---\n${toYaml(o.manifest)}`).join(''));
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['manifests.yaml'] }),
  );
  return { ...pkg, dir, objects, live };
}

/** The packages this run built, grouped by wave in deployment order, each read from its own folder. */
function plan(req: PublishRequest): { wave: number; packages: PlannedPackage[] }[] {
  const waves = new Map(req.workspace.map((p) => [p.name, p.wave]));
  const unknown = req.packages.filter((p) => !waves.has(p));
  if (unknown.length > 0) {
    throw new Error(
      `${unknown.join(', ')}: built but not a package of the commit (workspace: ${[...waves.keys()].join(', ')}); rebuild the bundle`,
    );
  }
  const built = new Set(req.packages);
  const stages = new Map<number, PlannedPackage[]>();
  for (const { name, wave } of req.workspace) {
    if (!built.has(name)) continue;
    const dir = join(req.bundleDir, name);
    stages.set(wave, [...(stages.get(wave) ?? []), { name, wave, dir, objects: packageObjects(dir) }]);
  }
  return [...stages].sort(([a], [b]) => a - b).map(([wave, packages]) => ({ wave, packages }));
}

const configLines = (i: Inventory) => (i.configs ?? []).map((c) => `${c.generation} ${c.configName} ${refKey(c.ref)}`).join('\n');
const sameInventory = (a: Inventory | undefined, b: Inventory) =>
  a !== undefined &&
  a.defaultNamespace === b.defaultNamespace &&
  configLines(a) === configLines(b) &&
  a.objects.length === b.objects.length &&
  a.objects.every((r, i) => refKey(r) === refKey(b.objects[i]!) && r.version === b.objects[i]!.version);

/**
 * Applies the packages this run built, after checking that the current kube context is the one the
 * environment declares: a deploy meant for dev never lands in prod because of a stale context.
 *
 * Stages follow the waves of `req.workspace` (namespaces, cluster infra, stores, services, ingress): each
 * stage applies its packages, each from its own folder, then waits for their rollouts (not in a dry run,
 * which creates nothing); a failed stage stops the deploy. Once every stage is up, each applied package's
 * objects that its inventory lists and its bundle no longer has are deleted, and so are the objects of a
 * package whose inventory is in the cluster but which is no longer in the workspace. Volumes and namespaces
 * are never deleted. Packages of the workspace that this run did not build are left as the cluster has them.
 *
 * Why an inventory of our own rather than kubectl's ApplySet: ApplySet is alpha in kubectl 1.28 (behind
 * KUBECTL_APPLYSET=true), prunes every kind in the set with no way to keep volumes and namespaces but to apply
 * them outside of it (splitting each package's kustomization), and a package that left the commit has no
 * configs left to apply with its set, so it needs pruning by hand anyway.
 */
export async function publishKubectl(
  req: PublishRequest,
  expectedContext: string,
  run: KubectlRunner,
  options: KubectlOptions = {},
): Promise<PublishResult> {
  let current: string;
  try {
    current = (await run(['config', 'current-context'])).stdout.trim();
  } catch (e) {
    const reason = kubectlMessage(e).split('\n').pop();
    throw new Error(
      `refusing to apply ${req.envName}: there is no current kube context (${reason}); environment ${req.envName} declares "${expectedContext}"`,
    );
  }
  if (current !== expectedContext) {
    throw new Error(
      `refusing to apply ${req.envName}: the current kube context is "${current}" but environment ${req.envName} declares "${expectedContext}". ` +
        `Switch with: kubectl config use-context ${expectedContext}`,
    );
  }

  const ctx = expectedContext;
  const log = req.log ?? (() => undefined);
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const stages = plan(req);
  const kubectl = async (what: string, args: string[], input?: string) => {
    try {
      return (await run(args, input)).stdout;
    } catch (e) {
      throw new Error(`${what}: ${kubectlMessage(e)}`);
    }
  };

  const defaultNamespace = (await kubectl(`reading the namespace of context ${ctx}`, contextNamespaceArgs(ctx))).trim() || 'default';
  const inventories = parseInventories(
    req.envName,
    await kubectl(`reading the inventories of ${req.envName}`, inventoryGetArgs(ctx, req.envName)),
  );
  if (req.slots) {
    const { liveNamespace, packages } = req.slots;
    for (const stage of stages) {
      stage.packages = stage.packages.map((p) => (packages.includes(p.name) ? idleSlotOnly(p, inventories.get(p.name), liveNamespace) : p));
      for (const p of stage.packages)
        if (p.live) log(`${p.name}: the live slot (${liveNamespace}) keeps what it runs; applying the other slots`);
    }
  }
  const writeInventory = async (inventory: Inventory) => {
    await kubectl(
      `writing the inventory of ${inventory.package}`,
      inventoryApplyArgs(ctx, req.dryRun),
      JSON.stringify(inventoryConfigMap(req.envName, inventory)),
    );
  };

  const written = new Map<string, Inventory>();
  let applied = 0;
  let changed = false;
  for (const stage of stages) {
    const name = stageName(stage.wave);
    log(`${name}: applying ${stage.packages.map((p) => p.name).join(', ')}`);
    for (const pkg of stage.packages) {
      const previous = inventories.get(pkg.name);
      // Recorded before the apply, so that an object is tracked even when the apply stops half way.
      const known = new Set(previous?.objects.map(refKey));
      const added = pkg.objects.map((o) => o.ref).filter((r) => !known.has(refKey(r)));
      if (added.length > 0) {
        const pending = {
          package: pkg.name,
          defaultNamespace: previous?.defaultNamespace ?? defaultNamespace,
          objects: [...(previous?.objects ?? []), ...added],
        };
        await writeInventory(pending);
        written.set(pkg.name, pending);
      }
      // A Job cannot change once created (its pod template is immutable): it is replaced, and runs again.
      const jobs = pkg.objects.map((o) => o.ref).filter((r) => r.group === 'batch' && r.kind === 'Job');
      for (const namespace of new Set(jobs.map((r) => r.namespace || defaultNamespace))) {
        const here = jobs.filter((r) => (r.namespace || defaultNamespace) === namespace);
        log(`${name}: replacing ${here.map((r) => r.name).join(', ')} of ${pkg.name} (a Job cannot change once created)`);
        try {
          await kubectl('kubectl delete', pruneArgs(ctx, namespace, here, timeout, req.dryRun));
        } catch (e) {
          throw new Error(`${name}, package ${pkg.name}: ${(e as Error).message}. Later waves were not applied; fix this and deploy again`);
        }
      }
      let stdout: string;
      try {
        stdout = await kubectl('kubectl apply', applyPackageArgs(pkg.dir, ctx, req.dryRun));
      } catch (e) {
        throw new Error(`${name}, package ${pkg.name}: ${(e as Error).message}. Later waves were not applied; fix this and deploy again`);
      } finally {
        // The idle slot's own folder (idleSlotOnly) is needed for this apply only.
        if (pkg.live) rmSync(pkg.dir, { recursive: true, force: true });
      }
      const lines = stdout.trim().split('\n').filter(Boolean);
      const pkgChanged = lines.filter((l) => !/\bunchanged\b/.test(l)).length;
      applied += lines.length;
      changed ||= pkgChanged > 0;
      log(`${name}: applied ${pkg.name}: ${lines.length} object(s), ${pkgChanged} changed`);
    }
    if (req.dryRun) continue;
    for (const pkg of stage.packages) {
      for (const object of pkg.objects) {
        const args = waitArgs(ctx, object, object.ref.namespace || defaultNamespace, timeout);
        if (!args) continue;
        log(`${name}: waiting for ${resourceArg(object.ref)} of ${pkg.name}`);
        try {
          await run(args);
        } catch (e) {
          throw new Error(
            `${name}, package ${pkg.name}: ${resourceArg(object.ref)} is not ready after ${timeout}: ${kubectlMessage(e)}. ` +
              `Later waves were not applied; fix this and deploy again`,
          );
        }
      }
    }
  }

  // What each package of the commit still holds in the cluster: an object another package took over is not pruned.
  const planned = stages.flatMap((s) => s.packages);
  const workspace = new Set(req.workspace.map((p) => p.name));
  const holders = new Map<string, Set<string>>();
  const hold = (pkg: string, refs: readonly ObjectRef[]) => {
    for (const r of refs) holders.set(refKey(r), (holders.get(refKey(r)) ?? new Set()).add(pkg));
  };
  for (const pkg of planned) {
    const refs = pkg.objects.map((o) => o.ref);
    hold(pkg.name, refs);
  }
  for (const [pkg, inventory] of inventories) {
    if (workspace.has(pkg) && !planned.some((p) => p.name === pkg)) hold(pkg, inventory.objects);
  }
  const heldByOther = (pkg: string, r: ObjectRef) => [...(holders.get(refKey(r)) ?? [])].some((p) => p !== pkg);

  let deleted = 0;
  const prune = async (pkg: string, inventory: Inventory, keep: ReadonlySet<string>) => {
    const gone = inventory.objects.filter((r) => !keep.has(refKey(r)) && !isNeverPruned(r) && !heldByOther(pkg, r));
    const byNamespace = new Map<string, ObjectRef[]>();
    for (const r of [...gone].reverse()) {
      const ns = r.namespace || inventory.defaultNamespace;
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), r]);
    }
    for (const [ns, refs] of byNamespace) {
      log(`pruning from ${pkg} (namespace ${ns}): ${refs.map(resourceArg).join(', ')}`);
      try {
        await kubectl(`pruning ${pkg}`, pruneArgs(ctx, ns, refs, timeout, req.dryRun));
      } catch (e) {
        throw new Error(`${(e as Error).message}. Its inventory still lists these objects: deploy again to retry`);
      }
    }
    deleted += gone.length;
  };

  for (const pkg of [...planned].reverse()) {
    const previous = inventories.get(pkg.name);
    // Previous versions of its content-named configs stay for rollback, up to the count (retention.ts).
    const live = pkg.live ?? [];
    const liveKeys = new Set(live.map(refKey));
    const inLive = (c: InventoryConfig) => liveKeys.has(refKey(c.ref));
    // The live slot's configs are counted when a deploy reaches that slot again.
    const configs = [
      ...keptConfigs(previous && { ...previous, configs: previous.configs?.filter((c) => !inLive(c)) }, pkg.objects),
      ...(previous?.configs ?? []).filter(inLive),
    ];
    const retained = configs.filter((c) => c.generation > 0 && !inLive(c)).map((c) => c.ref);
    if (retained.length > 0) log(`${pkg.name}: keeps ${retained.length} previous config version(s) for rollback`);
    const keep = new Set([...pkg.objects.map((o) => refKey(o.ref)), ...retained.map(refKey), ...liveKeys]);
    if (previous) await prune(pkg.name, previous, keep);
    const next: Inventory = {
      package: pkg.name,
      defaultNamespace,
      objects: [...pkg.objects.map((o) => o.ref), ...retained, ...live.filter((r) => !retained.some((k) => refKey(k) === refKey(r)))],
      ...(configs.length > 0 ? { configs } : {}),
    };
    if (!sameInventory(written.get(pkg.name) ?? previous, next)) await writeInventory(next);
  }

  const removed = [...inventories.keys()].filter((p) => !workspace.has(p)).sort();
  for (const pkg of removed) {
    log(`${pkg} is no longer a package of the commit: pruning it`);
    await prune(pkg, inventories.get(pkg)!, new Set());
    await kubectl(`deleting the inventory of ${pkg}`, inventoryDeleteArgs(ctx, req.envName, pkg, req.dryRun));
  }

  const removedText = removed.length > 0 ? `; removed package(s) ${removed.join(', ')}` : '';
  return {
    changed: changed || deleted > 0 || removed.length > 0,
    summary:
      `kubectl${req.dryRun ? ' (dry run, server)' : ''}: ${planned.length} package(s) in ${stages.length} wave(s) applied to ${ctx}, ` +
      `${applied} object(s), ${deleted} pruned${removedText}`,
    pruned: removed,
  };
}

/**
 * The content-named configs a package's inventory records after this deploy: the bundle's (generation
 * 0) and the previous versions the cluster holds that the retention rule keeps (retention.ts).
 */
function keptConfigs(previous: Inventory | undefined, objects: readonly PackageObject[]): InventoryConfig[] {
  const key = (r: ObjectRef, configName: string) => `${r.group}/${r.kind}/${r.namespace}/${configName}`;
  const current: InventoryConfig[] = objects.flatMap((o) => {
    const v = configVersionOf(o.manifest);
    const configName = (o.manifest.metadata as { annotations?: Record<string, string> }).annotations?.[CONFIG_NAME_ANNOTATION];
    return v && configName ? [{ ref: o.ref, configName, generation: 0 }] : [];
  });
  const before = previous?.configs ?? [];
  const kept = retainConfigs(
    before.map((c) => ({ config: key(c.ref, c.configName), name: c.ref.name, generation: c.generation })),
    current.map((c) => ({ config: key(c.ref, c.configName), name: c.ref.name, generation: 0 })),
  );
  const retained = kept.map((k) => {
    const c = before.find((b) => key(b.ref, b.configName) === k.config && b.ref.name === k.name)!;
    return { ...c, generation: k.generation };
  });
  return [...current, ...retained];
}
