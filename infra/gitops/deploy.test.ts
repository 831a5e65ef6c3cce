import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';
import { synthesize, type EnvironmentInput } from '@b2connect/k8s-lib/pipeline';
import { environment, importLoader, makeWorkspace } from '../../libs/k8s-lib/test/helpers';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

const REPO = 'ssh://git@git.b2connect.com/platform/gitops.git';
const ARGO_KINDS = ['AppProject', 'Application', 'ApplicationSet'];
const FLUX_KINDS = ['GitRepository', 'Kustomization'];
const kinds = (env: string) => new Set(bundle(env).map((o) => o.kind));
const ofKind = (env: string, kind: string) => bundle(env).filter((o) => o.kind === kind);

type Element = { package: string; wave: string };
const elements = (env: string): Element[] => findObject(bundle(env), 'ApplicationSet', 'b2connect').spec.generators[0].list.elements;
const waveOf = (env: string, pkg: string) => Number(elements(env).find((e) => e.package === pkg)!.wave);

describe('infra/gitops: only the engine of the environment', () => {
  it('emits Flux objects only where the engine is flux (dev), Argo CD objects only where it is argocd', () => {
    for (const kind of ARGO_KINDS) expect(kinds('dev').has(kind)).toBe(false);
    expect(kinds('dev')).toEqual(new Set(FLUX_KINDS));
    for (const env of ['staging', 'prod']) for (const kind of FLUX_KINDS) expect(kinds(env).has(kind)).toBe(false);
  });

  it('emits nothing with engine none or without delivery.gitops, and the empty package still builds', async () => {
    const gitops = (engine: string) =>
      environment('prod', { delivery: { gitops: { engine, repository: 'https://git.example.com/gitops.git', path: 'prod' } } as never });
    const envs: Record<string, EnvironmentInput> = { prod: gitops('none'), dev: environment('dev') };
    const root = makeWorkspace({
      environments: envs,
      packages: { gitops: `export { default } from '${join(__dirname, 'deploy.ts')}';\n` },
    });
    const { bundles } = await synthesize(root, { load: importLoader });
    expect(bundles.get('prod')!.get('gitops')).toEqual([]);
    expect(bundles.get('dev')!.get('gitops')).toEqual([]);
  });
});

describe('infra/gitops: Argo CD with progressive syncs (prod)', () => {
  it('generates one Application per package of the environment from one ApplicationSet, from the bundle layout', () => {
    const appSet = findObject(bundle('prod'), 'ApplicationSet', 'b2connect');
    expect(elements('prod').map((e) => e.package)).toEqual(
      expect.arrayContaining(['namespaces', 'postgres', 'catalog', 'api-gateway', 'ingress']),
    );
    expect(elements('prod').map((e) => e.package)).not.toContain('gitops');
    expect(appSet.spec.template.metadata.name).toBe('{{.package}}-prod');
    expect(appSet.spec.template.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: 'environments/prod/{{.package}}' });
    // Only the root is an Application of its own: the packages' ones come from the ApplicationSet.
    expect(ofKind('prod', 'Application').map((o) => o.metadata.name)).toEqual(['gitops-prod']);
  });

  it('rolls out wave by wave with RollingSync: namespaces, CRD-backed infra, stores, services, the ingress', () => {
    expect(waveOf('prod', 'namespaces')).toBe(0);
    expect(waveOf('prod', 'secret-store')).toBe(1);
    expect(waveOf('prod', 'postgres')).toBe(2);
    expect(waveOf('prod', 'catalog')).toBe(3);
    expect(waveOf('prod', 'ingress')).toBeGreaterThan(waveOf('prod', 'api-gateway'));
    const strategy = findObject(bundle('prod'), 'ApplicationSet', 'b2connect').spec.strategy;
    expect(strategy).toMatchObject({ type: 'RollingSync', deletionOrder: 'Reverse' });
    // The last step: infra/monitoring, which reads every other package (dependsOnAll).
    expect(waveOf('prod', 'monitoring')).toBe(5);
    expect(strategy.rollingSync.steps).toEqual(
      ['0', '1', '2', '3', '4', '5'].map((wave) => ({ matchExpressions: [{ key: 'b2connect.io/wave', operator: 'In', values: [wave] }] })),
    );
  });

  it('gives the template only the sync policy RollingSync honours: no selfHeal, no sync-wave annotation', () => {
    const template = findObject(bundle('prod'), 'ApplicationSet', 'b2connect').spec.template;
    expect(template.metadata.labels).toEqual({ 'b2connect.io/wave': '{{.wave}}', 'b2connect.io/environment': 'prod' });
    expect(template.metadata).not.toHaveProperty('annotations');
    expect(template.spec.syncPolicy).toEqual({
      automated: { prune: true },
      syncOptions: ['ServerSideApply=true', 'PruneLast=true', 'RespectIgnoreDifferences=true'],
    });
  });

  it('leaves what the Argo Rollouts controller sets to it by its field manager (not by paths inside lists), respected by syncs', () => {
    // catalog delivers by canary on Istio in prod.
    const template = findObject(bundle('prod'), 'ApplicationSet', 'b2connect').spec.template;
    // In each blue-green slot.
    expect(template.spec.ignoreDifferences).toEqual(
      ['b2connect-blue', 'b2connect-green'].flatMap((namespace) => [
        {
          group: 'networking.istio.io',
          kind: 'VirtualService',
          name: 'catalog',
          namespace,
          managedFieldsManagers: ['rollouts-controller'],
        },
        {
          group: 'networking.istio.io',
          kind: 'DestinationRule',
          name: 'catalog',
          namespace,
          managedFieldsManagers: ['rollouts-controller'],
        },
      ]),
    );
  });
});

describe('infra/gitops: Argo CD without progressive syncs (staging): app of apps', () => {
  it('emits one Application per package with its wave as sync-wave, syncing itself, and no ApplicationSet', () => {
    expect(kinds('staging').has('ApplicationSet')).toBe(false);
    const app = (pkg: string) => findObject(bundle('staging'), 'Application', `${pkg}-staging`);
    expect(app('namespaces').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '0' });
    expect(app('postgres').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '2' });
    expect(app('catalog').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '3' });
    expect(app('ingress').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '4' });
    expect(app('catalog').metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(app('catalog').spec).toEqual({
      project: 'b2connect',
      source: { repoURL: REPO, targetRevision: 'main', path: 'environments/staging/catalog' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'b2connect' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true', 'PruneLast=true'] },
    });
    const names = ofKind('staging', 'Application').map((o) => o.metadata.name);
    expect(names.filter((n) => n.startsWith('gitops'))).toEqual(['gitops-staging']);
    expect(names).toHaveLength(elements('prod').length + 1);
  });

  it("is managed by a root Application over the gitops package's own folder, in a project limited to Argo CD objects", () => {
    const root = findObject(bundle('staging'), 'Application', 'gitops-staging');
    expect(root.spec).toMatchObject({
      project: 'b2connect-gitops',
      source: { repoURL: REPO, targetRevision: 'main', path: 'environments/staging/gitops' },
      destination: { namespace: 'argocd' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    });
    expect(root.metadata).not.toHaveProperty('finalizers');
    const project = findObject(bundle('staging'), 'AppProject', 'b2connect-gitops');
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([
      { group: 'argoproj.io', kind: 'AppProject' },
      { group: 'argoproj.io', kind: 'Application' },
    ]);
  });
});

describe('infra/gitops: the Argo CD project', () => {
  it('allows the repository, the namespaces and exactly the kinds the packages emit', () => {
    const project = findObject(bundle('prod'), 'AppProject', 'b2connect');
    expect(project.spec.sourceRepos).toEqual([REPO]);
    // Prod: the platform namespace, its two blue-green slots, the ingress controller's (the smoke
    // tests) and infra/logging's two.
    expect(project.spec.destinations).toEqual(
      ['b2connect', 'b2connect-blue', 'b2connect-green', 'ingress-nginx', 'log-collector', 'observability'].map((namespace) => ({
        server: 'https://kubernetes.default.svc',
        namespace,
      })),
    );
    expect(project.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
      { group: 'cert-manager.io', kind: 'ClusterIssuer' },
      { group: 'external-secrets.io', kind: 'ClusterSecretStore' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      { group: 'storage.k8s.io', kind: 'StorageClass' },
    ]);
    expect(project.spec.namespaceResourceWhitelist).toEqual(
      expect.arrayContaining([
        { group: 'apps', kind: 'Deployment' },
        { group: '', kind: 'PersistentVolumeClaim' },
        { group: 'postgresql.cnpg.io', kind: 'Cluster' },
      ]),
    );
    expect(project.spec.namespaceResourceWhitelist).not.toContainEqual({ group: '*', kind: '*' });
    // Istio only where the mesh is Istio.
    const staging = findObject(bundle('staging'), 'AppProject', 'b2connect').spec.namespaceResourceWhitelist;
    expect(staging).not.toContainEqual({ group: 'security.istio.io', kind: 'PeerAuthentication' });
  });

  it('whitelists a cluster-scoped kind as soon as a package emits it (a PriorityClass)', async () => {
    const cdk8s = require.resolve('cdk8s');
    const priorities = [
      `import { ApiObject } from '${cdk8s}';`,
      'export default {',
      "  kind: 'cluster',",
      "  spec: { name: 'priorities', team: 'platform', build: (scope: never) => {",
      "    new ApiObject(scope, 'High', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'b2connect-high' }, value: 1000 });",
      '  } },',
      '};',
      '',
    ].join('\n');
    const prod = environment('prod', {
      delivery: { gitops: { engine: 'argocd', repository: 'https://git.example.com/gitops.git', path: 'prod' } } as never,
    });
    const root = makeWorkspace({
      environments: { prod },
      packages: { gitops: `export { default } from '${join(__dirname, 'deploy.ts')}';\n`, priorities },
    });
    const { bundles } = await synthesize(root, { packages: ['gitops'], load: importLoader });
    const project = findObject(bundles.get('prod')!.get('gitops')!, 'AppProject', 'b2connect');
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: 'scheduling.k8s.io', kind: 'PriorityClass' }]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([]);
  });
});

describe('infra/gitops: Flux (dev)', () => {
  const ks = (name: string) => findObject(bundle('dev'), 'Kustomization', `b2connect-${name}`).spec;
  const deps = (name: string) => (ks(name).dependsOn ?? []).map((d: { name: string }) => d.name.replace(/^b2connect-/, ''));

  it('gives Flux a GitRepository and one Kustomization per package, plus one for its own folder', () => {
    expect(findObject(bundle('dev'), 'GitRepository', 'b2connect').spec).toMatchObject({
      url: REPO,
      ref: { branch: 'main' },
      secretRef: { name: 'b2connect-gitops' },
    });
    expect(ks('namespaces').path).toBe('./environments/dev/namespaces');
    expect(ks('catalog')).toMatchObject({ prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'b2connect' } });
    expect(ks('gitops')).toMatchObject({ path: './environments/dev/gitops', prune: true, wait: false });
    expect(ks('gitops')).not.toHaveProperty('dependsOn');
  });

  it('makes each Kustomization depend on what its package declares and needs, not on a whole wave', () => {
    expect(ks('namespaces')).not.toHaveProperty('dependsOn');
    expect(deps('storage')).toEqual(['namespaces']);
    // A store: its volumes' StorageClass and its credentials' ClusterSecretStore.
    expect(deps('postgres')).toEqual(['namespaces', 'secret-store', 'storage']);
    // A service: what it declares; no other store or service of the previous wave.
    expect(deps('catalog')).toEqual(['namespaces', 'postgres']);
    expect(deps('catalog')).not.toContain('redis');
    expect(deps('identity')).toEqual(['namespaces', 'postgres', 'redis', 'secret-store']);
    expect(deps('ingress')).toEqual(['admin-portal', 'api-gateway', 'namespaces', 'storefront']);
  });
});

describe('infra/gitops: Argo CD and canaries in flight', () => {
  it("gives only a canary package's Application the differences the Argo Rollouts controller makes, and respects them in syncs", async () => {
    const env = environment('prod', {
      capabilities: { argoRollouts: true, prometheusOperator: true, serviceMesh: 'istio', rabbitmqOperator: true },
      delivery: { gitops: { engine: 'argocd', repository: 'https://git.example.com/gitops.git', path: 'prod' } } as never,
    });
    const service = (name: string, delivery?: unknown) => ({
      kind: 'web-service',
      spec: { name, team: 'a', image: { repository: `b2connect/${name}` }, ports: { http: 8080 }, ...(delivery ? { delivery } : {}) },
    });
    const root = makeWorkspace({
      environments: { prod: env },
      packages: {
        gitops: `export { default } from '${join(__dirname, 'deploy.ts')}';\n`,
        web: service('web', { strategy: 'canary', analysis: { latency: { maxMs: 300 } } }) as never,
        plain: service('plain') as never,
      },
    });
    const { bundles } = await synthesize(root, { load: importLoader });
    const apps = bundles.get('prod')!.get('gitops')!;
    const web = findObject(apps, 'Application', 'web-prod').spec;
    expect(web.ignoreDifferences.map((d: any) => `${d.kind}/${d.name}`)).toEqual(['VirtualService/web', 'DestinationRule/web']);
    expect(web.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    const plain = findObject(apps, 'Application', 'plain-prod').spec;
    expect(plain.ignoreDifferences).toBeUndefined();
    expect(plain.syncPolicy.syncOptions).toEqual(['ServerSideApply=true', 'PruneLast=true']);
  });
});
