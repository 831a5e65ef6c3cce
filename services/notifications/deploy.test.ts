import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});

describe('notifications', () => {
  it('runs a fixed pair where the environment allows it, never an HPA', () => {
    for (const [env, replicas] of [
      ['dev', 1],
      ['staging', 2],
      ['prod', 2],
    ] as const) {
      const objects = bundle(env);
      expect(findObject(objects, 'Deployment', 'notifications').spec.replicas).toBe(replicas);
      expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    }
  });

  it('reaches identity, which it declares', () => {
    const data = findConfig(bundle('prod'), 'ConfigMap', 'notifications-config').data;
    expect(data.Services__Identity).toBe('http://identity.b2connect.svc:80');
  });
});
