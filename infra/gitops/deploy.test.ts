import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

type Element = { package: string; wave: string };
const elements = (env: string): Element[] => findObject(bundle(env), 'ApplicationSet', 'b2connect').spec.generators[0].list.elements;
const waveOf = (env: string, pkg: string) => Number(elements(env).find((e) => e.package === pkg)!.wave);

describe('infra/gitops', () => {
  it('generates one Argo CD Application per package of the environment, from the bundle layout', () => {
    const appSet = findObject(bundle('prod'), 'ApplicationSet', 'b2connect');
    expect(elements('prod').map((e) => e.package)).toEqual(
      expect.arrayContaining(['namespaces', 'postgres', 'catalog', 'api-gateway', 'ingress']),
    );
    expect(elements('prod').map((e) => e.package)).not.toContain('gitops');
    expect(appSet.spec.template.metadata.name).toBe('{{.package}}-prod');
    expect(appSet.spec.template.spec.source).toEqual({
      repoURL: 'ssh://git@git.b2connect.com/platform/gitops.git',
      targetRevision: 'main',
      path: 'environments/prod/{{.package}}',
    });
    expect(appSet.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(appSet.spec.template.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '{{.wave}}' });
  });

  it('orders the waves: namespaces, then CRD-backed infra, then stores, then services, then the ingress', () => {
    expect(waveOf('prod', 'namespaces')).toBe(0);
    expect(waveOf('prod', 'secret-store')).toBe(1);
    expect(waveOf('prod', 'postgres')).toBe(2);
    expect(waveOf('prod', 'catalog')).toBe(3);
    expect(waveOf('prod', 'ingress')).toBeGreaterThan(waveOf('prod', 'api-gateway'));
    const steps = findObject(bundle('prod'), 'ApplicationSet', 'b2connect').spec.strategy.rollingSync.steps;
    expect(steps.map((s: { matchExpressions: { values: string[] }[] }) => s.matchExpressions[0]!.values[0])).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);
  });

  it('scopes the Argo CD project to the repository, the namespace and the cluster kinds the packages emit', () => {
    const project = findObject(bundle('prod'), 'AppProject', 'b2connect');
    expect(project.spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'b2connect' }]);
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'storage.k8s.io', kind: 'StorageClass' });
  });

  it('gives Flux a GitRepository and one Kustomization per package, each depending on the previous wave', () => {
    expect(findObject(bundle('prod'), 'GitRepository', 'b2connect').spec).toMatchObject({
      url: 'ssh://git@git.b2connect.com/platform/gitops.git',
      ref: { branch: 'main' },
    });
    const ks = (name: string) => findObject(bundle('prod'), 'Kustomization', `b2connect-${name}`).spec;
    expect(ks('namespaces')).not.toHaveProperty('dependsOn');
    expect(ks('namespaces').path).toBe('./environments/prod/namespaces');
    expect(ks('postgres').dependsOn).toEqual(expect.arrayContaining([{ name: 'b2connect-secret-store' }, { name: 'b2connect-storage' }]));
    expect(ks('catalog').dependsOn).toEqual(expect.arrayContaining([{ name: 'b2connect-postgres' }, { name: 'b2connect-redis' }]));
    expect(ks('catalog')).toMatchObject({ prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'b2connect' } });
  });
});
