import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_NAME_ANNOTATION } from '@b2connect/k8s-lib/pipeline';
import { CONFIG_VERSIONS_KEPT } from './retention';
import {
  applyPackageArgs,
  inventoryApplyArgs,
  inventoryDeleteArgs,
  inventoryGetArgs,
  pruneArgs,
  publishKubectl,
  stageName,
  waitArgs,
  type KubectlRunner,
} from './kubectl';
import { formatRef, inventoryConfigMap, parseRef, refOf, type Inventory } from './kubectl-inventory';
import type { PackageWave, PublishRequest } from './types';

type Manifest = Record<string, unknown>;

const obj = (apiVersion: string, kind: string, name: string, namespace?: string, spec?: Manifest): Manifest => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
  ...(spec ? { spec } : {}),
});

/** A bundle folder with one folder per package, as the deploy executor writes it. */
function bundle(packages: Record<string, Manifest[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-kubectl-'));
  writeFileSync(join(dir, 'kustomization.yaml'), dump({ resources: Object.keys(packages) }));
  for (const [name, objects] of Object.entries(packages)) {
    mkdirSync(join(dir, name));
    writeFileSync(
      join(dir, name, 'kustomization.yaml'),
      dump({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['manifests.yaml'] }),
    );
    writeFileSync(join(dir, name, 'manifests.yaml'), objects.map((o) => dump(o)).join('---\n'));
  }
  return dir;
}

const key = (o: { group: string; kind: string; namespace: string; name: string }) => `${o.group}/${o.kind}/${o.namespace}/${o.name}`;

interface FakeCluster {
  run: KubectlRunner;
  calls: string[][];
  /** Live objects, by group/kind/namespace/name (namespace as applied). */
  objects: Set<string>;
  inventories: Map<string, Manifest>;
}

/**
 * A fake kubectl over an in-memory cluster: `apply -k` creates the objects of the folder, `apply -f -` stores an
 * inventory ConfigMap, `delete` removes objects, `get configmaps` lists the inventories. `fail` makes the call
 * that contains the given argument fail with that stderr.
 */
function fakeCluster(
  opts: { context?: string; namespace?: string; inventories?: Inventory[]; live?: string[]; fail?: Record<string, string> } = {},
): FakeCluster {
  const calls: string[][] = [];
  const defaultNamespace = opts.namespace ?? 'b2connect';
  const objects = new Set(opts.live ?? []);
  const inventories = new Map<string, Manifest>();
  for (const inv of opts.inventories ?? []) {
    const cm = inventoryConfigMap('prod', inv);
    inventories.set((cm.metadata as { name: string }).name, cm);
    for (const r of inv.objects) objects.add(key({ ...r, namespace: r.namespace || inv.defaultNamespace }));
  }
  const run: KubectlRunner = async (args, input) => {
    calls.push([...args]);
    const failing = Object.entries(opts.fail ?? {}).find(([arg]) => args.includes(arg));
    if (failing) throw Object.assign(new Error('Command failed'), { stderr: `${failing[1]}\n` });
    const dryRun = args.includes('--dry-run=server');
    const ns = (args.find((a) => a.startsWith('--namespace='))?.split('=')[1] ?? defaultNamespace) as string;
    if (args[0] === 'config' && args[1] === 'current-context') return { stdout: `${opts.context ?? 'aks-prod'}\n` };
    if (args[0] === 'config' && args[1] === 'view') return { stdout: opts.namespace === 'default' ? '' : defaultNamespace };
    if (args[0] === 'get') return { stdout: JSON.stringify({ kind: 'List', items: [...inventories.values()] }) };
    if (args[0] === 'apply' && args.includes('-f')) {
      const cm = JSON.parse(input!) as Manifest;
      if (!dryRun) inventories.set((cm.metadata as { name: string }).name, cm);
      return { stdout: 'configmap/inventory serverside-applied\n' };
    }
    if (args[0] === 'apply') {
      const dir = args[args.indexOf('-k') + 1]!;
      const lines: string[] = [];
      for (const o of loadAll(readFileSync(join(dir, 'manifests.yaml'), 'utf8')) as Manifest[]) {
        const r = refOf(o)!;
        const k = key({ ...r, namespace: r.namespace || defaultNamespace });
        lines.push(`${r.kind.toLowerCase()}/${r.name} ${objects.has(k) ? 'unchanged' : 'serverside-applied'}`);
        if (!dryRun) objects.add(k);
      }
      return { stdout: lines.join('\n') + '\n' };
    }
    if (args[0] === 'delete') {
      const lines: string[] = [];
      for (const a of args.filter((x) => x.includes('/'))) {
        const [type, name] = a.split('/') as [string, string];
        if (type === 'configmap') {
          if (!dryRun) inventories.delete(name);
          continue;
        }
        const [kind, ...group] = type.split('.');
        const k = key({ group: group.join('.') || 'core', kind: kind!, namespace: ns, name });
        if (objects.has(k) && !dryRun) objects.delete(k);
        lines.push(`${a} deleted`);
      }
      return { stdout: lines.join('\n') };
    }
    return { stdout: '' };
  };
  return { run, calls, objects, inventories };
}

const WORKSPACE: PackageWave[] = [
  { name: 'namespaces', wave: 0 },
  { name: 'redis', wave: 2 },
  { name: 'catalog', wave: 3 },
  { name: 'orders', wave: 3 },
  { name: 'ingress', wave: 4 },
];

function request(dir: string, packages: string[], extra: Partial<PublishRequest> = {}): PublishRequest & { lines: string[] } {
  const lines: string[] = [];
  return {
    envName: 'prod',
    bundleDir: dir,
    packages,
    workspace: WORKSPACE,
    manifest: { environment: 'prod', packages: {} },
    dryRun: false,
    log: (l) => lines.push(l),
    lines,
    ...extra,
  };
}

const inventory = (pkg: string, lines: string[], defaultNamespace = 'b2connect'): Inventory => ({
  package: pkg,
  defaultNamespace,
  objects: lines.map((l) => parseRef(l)!),
});

/** The packages of a bundle built by this run, and one (orders) whose folder is left from another build. */
const PACKAGES = {
  namespaces: [obj('v1', 'Namespace', 'b2connect')],
  catalog: [obj('apps/v1', 'Deployment', 'catalog', 'b2connect'), obj('v1', 'Service', 'catalog', 'b2connect')],
  ingress: [obj('networking.k8s.io/v1', 'Ingress', 'b2connect', 'b2connect')],
  orders: [obj('apps/v1', 'Deployment', 'orders', 'b2connect')],
};

describe('kubectl driver commands', () => {
  it('applies one package from its own folder, server-side with its field manager', () => {
    expect(applyPackageArgs('/b/prod/catalog', 'aks-prod', false)).toEqual([
      'apply',
      '--context=aks-prod',
      '--server-side',
      '--field-manager=b2connect-deploy',
      '--force-conflicts',
      '-k',
      '/b/prod/catalog',
    ]);
  });

  it('asks the API server for a dry run when told to', () => {
    expect(applyPackageArgs('/b/prod/catalog', 'aks-prod', true).at(-1)).toBe('--dry-run=server');
    expect(inventoryApplyArgs('aks-prod', true).at(-1)).toBe('--dry-run=server');
    expect(pruneArgs('aks-prod', 'b2connect', [parseRef('apps/v1/Deployment/b2connect/old')!], '5m', true).at(-1)).toBe('--dry-run=server');
  });

  it('reads, writes and deletes the inventories in kube-system, by environment label', () => {
    expect(inventoryGetArgs('aks-prod', 'prod')).toEqual([
      'get',
      'configmaps',
      '--context=aks-prod',
      '--namespace=kube-system',
      '-l',
      'b2connect.io/deploy-inventory=prod',
      '-o',
      'json',
    ]);
    expect(inventoryApplyArgs('aks-prod', false)).toEqual([
      'apply',
      '--context=aks-prod',
      '--server-side',
      '--field-manager=b2connect-deploy',
      '--force-conflicts',
      '-f',
      '-',
    ]);
    expect(inventoryDeleteArgs('aks-prod', 'prod', 'legacy', false)).toEqual([
      'delete',
      '--context=aks-prod',
      '--namespace=kube-system',
      '--ignore-not-found',
      'configmap/b2connect-deploy.prod.legacy',
    ]);
  });

  it('prunes by kind, group and name, leaving the version to the server', () => {
    const refs = ['autoscaling/v2/HorizontalPodAutoscaler/b2connect/catalog', 'core/v1/ConfigMap/b2connect/catalog'].map((l) =>
      parseRef(l)!,
    );
    expect(pruneArgs('aks-prod', 'b2connect', refs, '5m', false)).toEqual([
      'delete',
      '--context=aks-prod',
      '--namespace=b2connect',
      '--ignore-not-found',
      '--timeout=5m',
      'HorizontalPodAutoscaler.autoscaling/catalog',
      'ConfigMap/catalog',
    ]);
  });

  it('fails when asked to prune a volume or a namespace', () => {
    const refs = ['core/v1/PersistentVolumeClaim/b2connect/data-redis-0', 'core/v1/Namespace//b2connect'].map((l) => parseRef(l)!);
    expect(() => pruneArgs('aks-prod', 'b2connect', refs, '5m', false)).toThrow(
      'PersistentVolumeClaim/data-redis-0, Namespace/b2connect: never pruned (core/v1/PersistentVolumeClaim, core/v1/Namespace); delete it by hand',
    );
  });

  it('waits for workloads with rollout status and for CRDs with their Established condition', () => {
    const item = (o: Manifest) => ({ ref: refOf(o)!, manifest: o });
    expect(waitArgs('aks-prod', item(obj('apps/v1', 'Deployment', 'catalog', 'b2connect')), 'b2connect', '5m')).toEqual([
      'rollout',
      'status',
      '--context=aks-prod',
      '--namespace=b2connect',
      '--timeout=5m',
      'Deployment.apps/catalog',
    ]);
    expect(
      waitArgs('aks-prod', item(obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'x.example.com')), 'b2connect', '2m'),
    ).toEqual([
      'wait',
      '--for=condition=Established',
      '--context=aks-prod',
      '--namespace=b2connect',
      '--timeout=2m',
      'CustomResourceDefinition.apiextensions.k8s.io/x.example.com',
    ]);
    expect(waitArgs('aks-prod', item(obj('postgresql.cnpg.io/v1', 'Cluster', 'postgres', 'b2connect')), 'b2connect', '5m')?.[1]).toBe(
      '--for=condition=Ready',
    );
  });

  it('does not wait for what has no rollout, nor for an OnDelete StatefulSet', () => {
    const item = (o: Manifest) => ({ ref: refOf(o)!, manifest: o });
    expect(waitArgs('aks-prod', item(obj('v1', 'Service', 'catalog', 'b2connect')), 'b2connect', '5m')).toBeUndefined();
    const onDelete = obj('apps/v1', 'StatefulSet', 'redis', 'b2connect', { updateStrategy: { type: 'OnDelete' } });
    expect(waitArgs('aks-prod', item(onDelete), 'b2connect', '5m')).toBeUndefined();
  });

  it('names the stages after the waves', () => {
    expect([0, 1, 2, 3, 4, 5].map(stageName)).toEqual([
      'wave 0 (namespaces)',
      'wave 1 (cluster infra)',
      'wave 2 (stores)',
      'wave 3 (services)',
      'wave 4 (after services)',
      'wave 5 (after services)',
    ]);
  });
});

describe('kubectl driver context guard', () => {
  it('refuses to apply when the current context is another one, and applies nothing', async () => {
    const cluster = fakeCluster({ context: 'aks-b2connect-dev' });
    await expect(publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-b2connect-prod', cluster.run)).rejects.toThrow(
      'refusing to apply prod: the current kube context is "aks-b2connect-dev" but environment prod declares "aks-b2connect-prod"',
    );
    expect(cluster.calls).toEqual([['config', 'current-context']]);
  });

  it('refuses with the reason when no context is set', async () => {
    const run: KubectlRunner = async () => {
      throw Object.assign(new Error('Command failed'), { stderr: 'error: current-context is not set\n' });
    };
    await expect(publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-b2connect-prod', run)).rejects.toThrow(
      'refusing to apply prod: there is no current kube context (error: current-context is not set); environment prod declares "aks-b2connect-prod"',
    );
  });

  it('passes the context to every command against the cluster', async () => {
    const cluster = fakeCluster();
    await publishKubectl(request(bundle(PACKAGES), ['namespaces', 'catalog']), 'aks-prod', cluster.run);
    expect(cluster.calls.slice(1).filter((c) => !c.includes('--context=aks-prod'))).toEqual([]);
  });
});

describe('kubectl driver deploy', () => {
  it('applies the built packages by wave, each from its own folder, and waits for each stage before the next', async () => {
    const dir = bundle(PACKAGES);
    const cluster = fakeCluster();
    const req = request(dir, ['ingress', 'catalog', 'namespaces']);
    const result = await publishKubectl(req, 'aks-prod', cluster.run);
    const steps = cluster.calls
      .filter((c) => c[0] === 'rollout' || (c[0] === 'apply' && c.includes('-k')))
      .map((c) => (c[0] === 'apply' ? `apply ${c[c.indexOf('-k') + 1]}` : `rollout ${c.at(-1)}`));
    expect(steps).toEqual([
      `apply ${join(dir, 'namespaces')}`,
      `apply ${join(dir, 'catalog')}`,
      'rollout Deployment.apps/catalog',
      `apply ${join(dir, 'ingress')}`,
    ]);
    expect(req.lines).toEqual([
      'wave 0 (namespaces): applying namespaces',
      'wave 0 (namespaces): applied namespaces: 1 object(s), 1 changed',
      'wave 3 (services): applying catalog',
      'wave 3 (services): applied catalog: 2 object(s), 2 changed',
      'wave 3 (services): waiting for Deployment.apps/catalog of catalog',
      'wave 4 (after services): applying ingress',
      'wave 4 (after services): applied ingress: 1 object(s), 1 changed',
    ]);
    expect(result).toEqual({
      changed: true,
      summary: 'kubectl: 3 package(s) in 3 wave(s) applied to aks-prod, 4 object(s), 0 pruned',
      pruned: [],
    });
  });

  it('replaces a Job of a package before it applies the package: a Job cannot change once created', async () => {
    const dir = bundle({
      catalog: [obj('apps/v1', 'Deployment', 'catalog', 'b2connect'), obj('batch/v1', 'Job', 'catalog-migrate', 'b2connect')],
    });
    const cluster = fakeCluster({ live: ['batch/Job/b2connect/catalog-migrate'] });
    await publishKubectl(request(dir, ['catalog']), 'aks-prod', cluster.run);
    const steps = cluster.calls.filter((c) => c[0] === 'delete' || (c[0] === 'apply' && c.includes('-k'))).map((c) => c.join(' '));
    expect(steps).toEqual([
      'delete --context=aks-prod --namespace=b2connect --ignore-not-found --timeout=5m Job.batch/catalog-migrate',
      `apply --context=aks-prod --server-side --field-manager=b2connect-deploy --force-conflicts -k ${join(dir, 'catalog')}`,
    ]);
    expect(cluster.objects.has('batch/Job/b2connect/catalog-migrate')).toBe(true);
  });

  it('records what it applied in an inventory per package, before the apply', async () => {
    const cluster = fakeCluster();
    await publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-prod', cluster.run);
    const write = cluster.calls.findIndex((c) => c[0] === 'apply' && c.includes('-f'));
    const apply = cluster.calls.findIndex((c) => c[0] === 'apply' && c.includes('-k'));
    expect(write).toBeGreaterThan(0);
    expect(write).toBeLessThan(apply);
    const cm = cluster.inventories.get('b2connect-deploy.prod.catalog') as { metadata: Manifest; data: Record<string, string> };
    expect(cm.metadata).toEqual({
      name: 'b2connect-deploy.prod.catalog',
      namespace: 'kube-system',
      labels: { 'app.kubernetes.io/managed-by': 'b2connect-deploy', 'b2connect.io/deploy-inventory': 'prod' },
    });
    expect(cm.data).toEqual({
      environment: 'prod',
      package: 'catalog',
      defaultNamespace: 'b2connect',
      objects: 'apps/v1/Deployment/b2connect/catalog\ncore/v1/Service/b2connect/catalog\n',
    });
  });

  it('prunes a kind whose last object left the bundle, but never a volume', async () => {
    const cluster = fakeCluster({
      inventories: [
        inventory('catalog', [
          'apps/v1/Deployment/b2connect/catalog',
          'core/v1/Service/b2connect/catalog',
          'autoscaling/v2/HorizontalPodAutoscaler/b2connect/catalog',
          'core/v1/PersistentVolumeClaim/b2connect/catalog-cache',
        ]),
      ],
    });
    const result = await publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-prod', cluster.run);
    expect(cluster.objects.has('autoscaling/HorizontalPodAutoscaler/b2connect/catalog')).toBe(false);
    expect(cluster.objects.has('core/PersistentVolumeClaim/b2connect/catalog-cache')).toBe(true);
    expect(cluster.calls.filter((c) => c[0] === 'delete')).toEqual([
      [
        'delete',
        '--context=aks-prod',
        '--namespace=b2connect',
        '--ignore-not-found',
        '--timeout=5m',
        'HorizontalPodAutoscaler.autoscaling/catalog',
      ],
    ]);
    expect((cluster.inventories.get('b2connect-deploy.prod.catalog') as { data: Record<string, string> }).data.objects).toBe(
      'apps/v1/Deployment/b2connect/catalog\ncore/v1/Service/b2connect/catalog\n',
    );
    expect(result.summary).toBe('kubectl: 1 package(s) in 1 wave(s) applied to aks-prod, 2 object(s), 1 pruned');
  });

  it('prunes an object that declared no namespace in the namespace kubectl gave it, not in the current one', async () => {
    const cluster = fakeCluster({
      namespace: 'tools',
      inventories: [inventory('catalog', ['core/v1/ConfigMap//catalog-flags'], 'b2connect')],
    });
    await publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-prod', cluster.run);
    expect(cluster.calls.find((c) => c[0] === 'delete')).toContain('--namespace=b2connect');
    expect(cluster.objects.has('core/ConfigMap/b2connect/catalog-flags')).toBe(false);
  });

  it('leaves the packages this run did not build as the cluster has them, even with their folder in the bundle', async () => {
    const dir = bundle({ ...PACKAGES, orders: [] });
    const cluster = fakeCluster({
      inventories: [inventory('orders', ['apps/v1/Deployment/b2connect/orders', 'core/v1/Service/b2connect/orders'])],
    });
    const result = await publishKubectl(request(dir, ['catalog']), 'aks-prod', cluster.run);
    expect(cluster.calls.filter((c) => c.some((a) => a.includes('orders')))).toEqual([]);
    expect(cluster.calls.filter((c) => c.includes(dir))).toEqual([]);
    expect(cluster.objects.has('apps/Deployment/b2connect/orders')).toBe(true);
    expect(result.pruned).toEqual([]);
  });

  it('prunes a package that left the commit, except its volumes, and reports it', async () => {
    const cluster = fakeCluster({
      inventories: [
        inventory('legacy', [
          'core/v1/PersistentVolumeClaim/b2connect/legacy-data',
          'apps/v1/Deployment/b2connect/legacy',
          'core/v1/Service/b2connect/legacy',
        ]),
      ],
    });
    const req = request(bundle(PACKAGES), ['catalog']);
    const result = await publishKubectl(req, 'aks-prod', cluster.run);
    expect(cluster.objects.has('apps/Deployment/b2connect/legacy')).toBe(false);
    expect(cluster.objects.has('core/Service/b2connect/legacy')).toBe(false);
    expect(cluster.objects.has('core/PersistentVolumeClaim/b2connect/legacy-data')).toBe(true);
    expect(cluster.inventories.has('b2connect-deploy.prod.legacy')).toBe(false);
    expect(cluster.calls.filter((c) => c[0] === 'delete').map((c) => c.filter((a) => a.includes('/')))).toEqual([
      ['Service/legacy', 'Deployment.apps/legacy'],
      ['configmap/b2connect-deploy.prod.legacy'],
    ]);
    expect(result.pruned).toEqual(['legacy']);
    expect(result.summary).toBe('kubectl: 1 package(s) in 1 wave(s) applied to aks-prod, 2 object(s), 2 pruned; removed package(s) legacy');
    expect(req.lines).toContain('legacy is no longer a package of the commit: pruning it');
  });

  it('does not prune an object that moved to another package', async () => {
    const packages = { ...PACKAGES, catalog: [...PACKAGES.catalog, obj('v1', 'ConfigMap', 'shared', 'b2connect')] };
    const cluster = fakeCluster({
      inventories: [
        inventory('legacy', ['core/v1/ConfigMap/b2connect/shared']),
        inventory('orders', ['apps/v1/Deployment/b2connect/orders', 'core/v1/ConfigMap/b2connect/orders-flags']),
        inventory('ingress', ['core/v1/ConfigMap/b2connect/orders-flags']),
      ],
    });
    await publishKubectl(request(bundle(packages), ['catalog', 'ingress']), 'aks-prod', cluster.run);
    expect(cluster.objects.has('core/ConfigMap/b2connect/shared')).toBe(true);
    expect(cluster.objects.has('core/ConfigMap/b2connect/orders-flags')).toBe(true);
  });

  it('does not prune an object whose API version changed', async () => {
    const cluster = fakeCluster({
      inventories: [inventory('catalog', ['apps/v1beta2/Deployment/b2connect/catalog', 'core/v1/Service/b2connect/catalog'])],
    });
    await publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-prod', cluster.run);
    expect(cluster.calls.filter((c) => c[0] === 'delete')).toEqual([]);
  });

  it('on a dry run asks the server for a dry run of every change and waits for nothing', async () => {
    const cluster = fakeCluster({ inventories: [inventory('legacy', ['apps/v1/Deployment/b2connect/legacy'])] });
    const result = await publishKubectl(request(bundle(PACKAGES), ['catalog'], { dryRun: true }), 'aks-prod', cluster.run);
    const changes = cluster.calls.filter((c) => c[0] === 'apply' || c[0] === 'delete');
    expect(changes.length).toBe(4);
    expect(changes.filter((c) => c.at(-1) !== '--dry-run=server')).toEqual([]);
    expect(cluster.calls.filter((c) => c[0] === 'rollout' || c[0] === 'wait')).toEqual([]);
    expect(cluster.objects.has('apps/Deployment/b2connect/legacy')).toBe(true);
    expect(result.summary).toMatch(/^kubectl \(dry run, server\): /);
    expect(result.pruned).toEqual(['legacy']);
  });

  it('reports no change when every object is unchanged and nothing is pruned', async () => {
    const live = ['apps/Deployment/b2connect/catalog', 'core/Service/b2connect/catalog'];
    const cluster = fakeCluster({
      live,
      inventories: [inventory('catalog', ['apps/v1/Deployment/b2connect/catalog', 'core/v1/Service/b2connect/catalog'])],
    });
    const result = await publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-prod', cluster.run);
    expect(result.changed).toBe(false);
    expect(cluster.calls.filter((c) => c.includes('-f'))).toEqual([]);
  });

  it('fails when a stage fails to apply, naming the stage, the package and kubectl, and applies nothing after it', async () => {
    const dir = bundle(PACKAGES);
    const cluster = fakeCluster({
      inventories: [inventory('catalog', ['core/v1/ConfigMap/b2connect/old'])],
      fail: { [join(dir, 'catalog')]: 'Error from server (Invalid): Deployment.apps "catalog" is invalid: spec.replicas: must be >= 0' },
    });
    await expect(publishKubectl(request(dir, ['namespaces', 'catalog', 'ingress']), 'aks-prod', cluster.run)).rejects.toThrow(
      'wave 3 (services), package catalog: kubectl apply: Error from server (Invalid): Deployment.apps "catalog" is invalid: spec.replicas: must be >= 0. ' +
        'Later waves were not applied; fix this and deploy again',
    );
    expect(cluster.calls.filter((c) => c.includes(join(dir, 'ingress')))).toEqual([]);
    expect(cluster.calls.filter((c) => c[0] === 'delete')).toEqual([]);
    expect(cluster.objects.has('core/ConfigMap/b2connect/old')).toBe(true);
  });

  it('fails when a rollout does not finish in time, before the next stage', async () => {
    const dir = bundle(PACKAGES);
    const cluster = fakeCluster({ fail: { 'Deployment.apps/catalog': 'error: timed out waiting for the condition' } });
    await expect(publishKubectl(request(dir, ['catalog', 'ingress']), 'aks-prod', cluster.run, { timeout: '90s' })).rejects.toThrow(
      'wave 3 (services), package catalog: Deployment.apps/catalog is not ready after 90s: error: timed out waiting for the condition. ' +
        'Later waves were not applied; fix this and deploy again',
    );
    expect(cluster.calls.find((c) => c[0] === 'rollout')).toContain('--timeout=90s');
    expect(cluster.calls.filter((c) => c.includes(join(dir, 'ingress')))).toEqual([]);
  });

  it('fails when a built package is not a package of the commit', async () => {
    const cluster = fakeCluster();
    await expect(publishKubectl(request(bundle(PACKAGES), ['catalog', 'ghost']), 'aks-prod', cluster.run)).rejects.toThrow(
      'ghost: built but not a package of the commit (workspace: namespaces, redis, catalog, orders, ingress); rebuild the bundle',
    );
    expect(cluster.calls).toEqual([['config', 'current-context']]);
  });

  it('fails when a built package has no folder in the bundle', async () => {
    const dir = bundle(PACKAGES);
    await expect(publishKubectl(request(dir, ['redis']), 'aks-prod', fakeCluster().run)).rejects.toThrow(
      `${join(dir, 'redis', 'kustomization.yaml')} does not exist: build the package into ${join(dir, 'redis')} before publishing it`,
    );
  });

  it('fails when an inventory in the cluster is unreadable, before applying anything', async () => {
    const broken = {
      package: 'catalog',
      defaultNamespace: 'b2connect',
      objects: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'x', name: '' }],
    };
    const cluster = fakeCluster({ inventories: [broken] });
    await expect(publishKubectl(request(bundle(PACKAGES), ['catalog']), 'aks-prod', cluster.run)).rejects.toThrow(
      'configmap kube-system/b2connect-deploy.prod.catalog: "apps/v1/Deployment/x/" is not group/version/kind/namespace/name; correct the line or delete it',
    );
    expect(cluster.calls.filter((c) => c[0] === 'apply')).toEqual([]);
  });
});

describe('kubectl driver inventory', () => {
  it('writes an object line per applied object, cluster-scoped ones with an empty namespace', () => {
    expect(formatRef(refOf(obj('storage.k8s.io/v1', 'StorageClass', 'fast-ssd'))!)).toBe('storage.k8s.io/v1/StorageClass//fast-ssd');
    expect(parseRef('storage.k8s.io/v1/StorageClass//fast-ssd')).toEqual({
      group: 'storage.k8s.io',
      version: 'v1',
      kind: 'StorageClass',
      namespace: '',
      name: 'fast-ssd',
    });
  });

  it('fails when a package kustomization transforms its resources', async () => {
    const dir = bundle(PACKAGES);
    writeFileSync(join(dir, 'catalog', 'kustomization.yaml'), dump({ resources: ['manifests.yaml'], namePrefix: 'x-' }));
    await expect(publishKubectl(request(dir, ['catalog']), 'aks-prod', fakeCluster().run)).rejects.toThrow(
      `${join(dir, 'catalog', 'kustomization.yaml')}: namePrefix: not supported by the kubectl driver`,
    );
  });
});

describe('kubectl driver: previous config versions', () => {
  /** catalog with settings version `v`: a content-named ConfigMap and the Deployment that names it. */
  const catalog = (v: number): Manifest[] => {
    const name = `catalog-config-${String(v).padStart(10, '0')}`;
    return [
      {
        ...obj('v1', 'ConfigMap', name, 'b2connect'),
        metadata: { name, namespace: 'b2connect', annotations: { [CONFIG_NAME_ANNOTATION]: 'catalog-config' } },
      },
      obj('apps/v1', 'Deployment', 'catalog', 'b2connect', {
        template: { spec: { containers: [{ name: 'catalog', envFrom: [{ configMapRef: { name } }] }] } },
      }),
    ];
  };
  const live = (cluster: FakeCluster) => [...cluster.objects].filter((k) => k.startsWith('core/ConfigMap/')).sort();
  const version = (v: number) => `core/ConfigMap/b2connect/catalog-config-${String(v).padStart(10, '0')}`;

  it(`keeps the ${CONFIG_VERSIONS_KEPT} versions before the current one in the cluster and its inventory, and prunes the one after`, async () => {
    const cluster = fakeCluster();
    const deploy = (v: number) => publishKubectl(request(bundle({ catalog: catalog(v) }), ['catalog']), 'aks-prod', cluster.run);
    await deploy(1);
    await deploy(2);
    // The previous pod template's ConfigMap stays: a `kubectl rollout undo` finds it.
    expect(live(cluster)).toEqual([version(1), version(2)]);
    const data = (cluster.inventories.get('b2connect-deploy.prod.catalog') as { data: Record<string, string> }).data;
    expect(data.configs).toBe(
      `0 catalog-config core/v1/ConfigMap/b2connect/catalog-config-0000000002\n1 catalog-config core/v1/ConfigMap/b2connect/catalog-config-0000000001\n`,
    );
    // Versions 1 .. K + 2 deployed (K kept): 1 is pruned, 2 .. K + 1 stay beside the current K + 2.
    const K = CONFIG_VERSIONS_KEPT;
    for (let v = 3; v <= K + 2; v++) await deploy(v);
    const from2 = Array.from({ length: K + 1 }, (_, i) => version(i + 2));
    expect(live(cluster)).toEqual(from2);
    // The same bundle again counts nothing.
    await deploy(K + 2);
    expect(live(cluster)).toEqual(from2);
  });
});

describe('kubectl driver: blue-green slots', () => {
  const catalog = (v: number): Manifest[] =>
    ['b2connect-blue', 'b2connect-green'].map((ns) =>
      obj('apps/v1', 'Deployment', 'catalog', ns, { template: { spec: { containers: [{ name: 'catalog', image: `catalog:${v}.0.0` }] } } }),
    );
  const slots = { liveNamespace: 'b2connect-blue', packages: ['catalog'] };

  it('applies the idle slot only once the live slot runs, and neither prunes nor forgets the live one', async () => {
    const cluster = fakeCluster();
    // What each `apply -k` applied, read when it runs (the idle slot's folder is removed after it).
    const applies: string[][] = [];
    const run: KubectlRunner = async (args, input) => {
      if (args[0] === 'apply' && args.includes('-k')) {
        const docs = loadAll(readFileSync(join(args[args.indexOf('-k') + 1]!, 'manifests.yaml'), 'utf8')) as any[];
        applies.push(docs.map((o) => `${o.metadata.namespace} ${o.spec.template.spec.containers[0].image}`));
      }
      return cluster.run(args, input);
    };
    await publishKubectl(request(bundle({ catalog: catalog(1) }), ['catalog'], { slots }), 'aks-prod', run);
    const applied = () => applies[applies.length - 1];
    // The first deploy with slots applies both.
    expect(applied()).toEqual(['b2connect-blue catalog:1.0.0', 'b2connect-green catalog:1.0.0']);
    const req = request(bundle({ catalog: catalog(2) }), ['catalog'], { slots });
    await publishKubectl(req, 'aks-prod', run);
    expect(applied()).toEqual(['b2connect-green catalog:2.0.0']);
    expect(cluster.calls.filter((c) => c[0] === 'delete')).toEqual([]);
    expect(cluster.objects.has('apps/Deployment/b2connect-blue/catalog')).toBe(true);
    const inventoryLines = (cluster.inventories.get('b2connect-deploy.prod.catalog') as { data: Record<string, string> }).data.objects;
    expect(inventoryLines!.split('\n').filter(Boolean).sort()).toEqual([
      'apps/v1/Deployment/b2connect-blue/catalog',
      'apps/v1/Deployment/b2connect-green/catalog',
    ]);
    expect(req.lines).toContain('catalog: the live slot (b2connect-blue) keeps what it runs; applying the other slots');
  });
});
