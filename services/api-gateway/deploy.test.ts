import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const objects = (env: string) => bundle(env);

describe('api-gateway', () => {
  it('scales 2..10 at 70% CPU in prod, as the platform document asks', () => {
    expect(findObject(objects('prod'), 'HorizontalPodAutoscaler', 'api-gateway').spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });

  it('scales to at most 4 in staging and runs one fixed replica in dev', () => {
    expect(findObject(objects('staging'), 'HorizontalPodAutoscaler', 'api-gateway').spec.maxReplicas).toBe(4);
    expect(objects('dev').some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(findObject(objects('dev'), 'Deployment', 'api-gateway').spec.replicas).toBe(1);
  });

  it('knows the URL of every domain service', () => {
    const data = findConfig(objects('prod'), 'ConfigMap', 'api-gateway-config').data;
    for (const svc of ['Identity', 'Catalog', 'Orders', 'Search', 'Notifications'])
      expect(data[`Services__${svc}`]).toMatch(/^http:\/\/[a-z-]+\.b2connect\.svc:80$/);
  });

  it('is labelled as the api-gateway component of team edge', () => {
    expect(findObject(objects('prod'), 'Deployment', 'api-gateway').metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'api-gateway',
      'b2connect.io/team': 'edge',
    });
  });
});
