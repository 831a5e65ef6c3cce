import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigErrors } from '../errors';
import { synthesize, type SynthesisResult } from '../write/bundle';
import { importLoader, makeWorkspace, webService, storeSource } from '../../test/helpers';

const workspaceRoot = resolve(__dirname, '../../../..');
const load = (file: string) => import(/* @vite-ignore */ file);

let real: SynthesisResult;
beforeAll(async () => {
  real = await synthesize(workspaceRoot, { packages: ['catalog', 'postgres'], environments: ['prod'], load });
}, 60_000);

const objectsOf = (pkg: string): any[] => [...(real.bundles.get('prod')!.get(pkg) ?? [])];
/** The migration Job of a package. */
const migrationJob = (pkg: string): any => one(pkg, 'Job', `${pkg}-migrate`);
/** Prod has blue-green slots: catalog runs in both, the store once, in the shared namespace. */
const NAMESPACE: Record<string, string> = { catalog: 'b2connect-blue', postgres: 'b2connect' };
const one = (pkg: string, kind: string, name: string): any => {
  const hits = objectsOf(pkg).filter((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === NAMESPACE[pkg]);
  expect(hits, `${pkg} ${kind}/${name}`).toHaveLength(1);
  return hits[0];
};

const store = (name: string) => storeSource(name);

async function failure(packages: Record<string, unknown>): Promise<string> {
  const root = makeWorkspace({ packages: packages as never });
  const err = await synthesize(root, { load: importLoader }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigErrors);
  return (err as ConfigErrors).message;
}

describe('migrations', () => {
  it('run in a Job with the service image, its ConfigMap and the store credentials, restricted, before the new version syncs', () => {
    // catalog delivers by canary in prod: its Rollout has the pod template a Deployment would.
    const deployment = one('catalog', 'Rollout', 'catalog');
    const job = migrationJob('catalog');
    // Argo CD: a Sync hook between the package's own objects (wave 0) and its Deployment.
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'Sync',
      'argocd.argoproj.io/sync-wave': '1',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'kustomize.toolkit.fluxcd.io/force': 'enabled',
    });
    expect(deployment.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBe('2');
    // Prod runs Istio: its proxy must stop with the migrations for the Job to complete.
    expect(job.spec.template.metadata.annotations).toEqual({ 'sidecar.istio.io/nativeSidecar': 'true' });
    const pod = job.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe(deployment.spec.template.spec.containers[0].image);
    expect(container.command).toEqual(['dotnet', 'Catalog.dll', '--migrate']);
    expect(container.envFrom).toEqual(deployment.spec.template.spec.containers[0].envFrom);
    expect(container.envFrom[0].configMapRef.name).toMatch(/^catalog-config-[0-9a-f]{10}$/);
    expect(container.env).toEqual([
      { name: 'Stores__Postgres__Password', valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'password' } } },
      { name: 'Stores__Postgres__Username', valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'username' } } },
    ]);
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod).toMatchObject({ restartPolicy: 'Never', serviceAccountName: 'catalog', automountServiceAccountToken: false });
    expect(job.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 600 });
    // Not selected by the service's Service: the migration pods have their own name.
    expect(one('catalog', 'Service', 'catalog').spec.selector['app.kubernetes.io/name']).toBe('catalog');
    expect(job.spec.template.metadata.labels['app.kubernetes.io/name']).toBe('catalog-migrate');
  });

  it('reach the store, and only the store, through the network graph', () => {
    const own = one('catalog', 'NetworkPolicy', 'catalog-migrate');
    const storePolicy = one('postgres', 'NetworkPolicy', 'postgres');
    // The policy selects the migration pods (their own name), not the service's.
    expect(own.spec.podSelector.matchLabels['app.kubernetes.io/name']).toBe('catalog-migrate');
    const jobLabels = migrationJob('catalog').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(own.spec.podSelector.matchLabels)) expect(jobLabels[k]).toBe(v);
    expect(own.spec.ingress).toEqual([]);
    // One egress rule: to the pods the store's own policy selects, in the store's namespace (the
    // migrations run in a slot, the store is shared), on the store's port.
    const namespaceOf = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    expect(own.spec.egress).toEqual([
      {
        to: [{ ...namespaceOf('b2connect'), podSelector: { matchLabels: storePolicy.spec.podSelector.matchLabels } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      },
    ]);
    for (const slot of ['b2connect-blue', 'b2connect-green']) {
      expect(storePolicy.spec.ingress).toContainEqual({
        from: [{ ...namespaceOf(slot), podSelector: { matchLabels: own.spec.podSelector.matchLabels } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      });
    }
  });

  it('fails when the service declares no data store, naming the field', async () => {
    const message = await failure({ api: webService('api', { migrations: { command: ['migrate'] } } as never) });
    expect(message).toContain('services/api/deploy.ts: migrations: needs a data store in dependsOn');
  });

  it('fails when several stores are declared and none is named, or the named one is not a store of dependsOn', async () => {
    const two = await failure({
      a: store('a'),
      b: store('b'),
      api: webService('api', { dependsOn: ['a', 'b'], migrations: { command: ['migrate'] } } as never),
    });
    expect(two).toContain('services/api/deploy.ts: migrations.store: required: dependsOn holds several data stores (a, b)');
    const wrong = await failure({
      a: store('a'),
      api: webService('api', { dependsOn: ['a'], migrations: { command: ['migrate'], store: 'c' } } as never),
    });
    expect(wrong).toContain('migrations.store: "c" is not a data store in dependsOn (a)');
  });

  it('fails when a kind without migrations declares them', async () => {
    const message = await failure({
      web: { kind: 'frontend', spec: { name: 'web', team: 't', image: { repository: 'b2connect/web' }, migrations: { command: ['x'] } } },
    });
    expect(message).toContain('services/web/deploy.ts: migrations: unknown field');
  });

  it("get the service's own secrets beside the store's credentials, as the service does", async () => {
    const root = makeWorkspace({
      packages: {
        db: store('db'),
        api: webService('api', {
          dependsOn: ['db'],
          secrets: { Jwt__SigningKey: { remoteKey: 'b2connect/api', property: 'jwt' } },
          migrations: { command: ['migrate'] },
        } as never),
      },
    });
    const objects = (await synthesize(root, { environments: ['prod'], load: importLoader })).bundles.get('prod')!.get('api')!;
    const env = (o: any) => o.spec.template.spec.containers[0].env;
    const job: any = objects.find((o) => o.kind === 'Job');
    const deployment: any = objects.find((o) => o.kind === 'Deployment');
    expect(env(job)).toEqual(env(deployment));
  });

  it('are only in the packages that declare them', () => {
    expect(objectsOf('postgres').filter((o) => o.kind === 'Job')).toEqual([]);
  });
});
