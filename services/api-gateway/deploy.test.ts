import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const objects = (env: string) => bundle(env);

describe('api-gateway', () => {
  it('scales 2..10 at 70% CPU in prod, as the platform document asks', () => {
    // Prod has blue-green slots: the same in each.
    for (const slot of ['b2connect-blue', 'b2connect-green']) {
      expect(findObject(objects('prod'), 'HorizontalPodAutoscaler', 'api-gateway', slot).spec).toMatchObject({
        minReplicas: 2,
        maxReplicas: 10,
      });
    }
  });

  it('scales to at most 4 in staging and runs one fixed replica in dev', () => {
    expect(findObject(objects('staging'), 'HorizontalPodAutoscaler', 'api-gateway').spec.maxReplicas).toBe(4);
    expect(objects('dev').some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(findObject(objects('dev'), 'Deployment', 'api-gateway').spec.replicas).toBe(1);
  });

  it('knows the URL of every domain service, in its own slot where the environment has slots', () => {
    const urls = (env: string, namespace?: string) => findConfig(objects(env), 'ConfigMap', 'api-gateway-config', namespace).data;
    for (const svc of ['Identity', 'Catalog', 'Orders', 'Search', 'Notifications']) {
      expect(urls('staging')[`Services__${svc}`]).toMatch(/^http:\/\/[a-z-]+\.b2connect\.svc:80$/);
      expect(urls('prod', 'b2connect-blue')[`Services__${svc}`]).toMatch(/^http:\/\/[a-z-]+\.b2connect-blue\.svc:80$/);
      expect(urls('prod', 'b2connect-green')[`Services__${svc}`]).toMatch(/^http:\/\/[a-z-]+\.b2connect-green\.svc:80$/);
    }
  });

  it('is labelled as the api-gateway component of team edge', () => {
    expect(findObject(objects('prod'), 'Deployment', 'api-gateway', 'b2connect-blue').metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'api-gateway',
      'b2connect.io/team': 'edge',
    });
  });
});
