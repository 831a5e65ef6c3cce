import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

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
      const deployments = objects.filter((o) => o.kind === 'Deployment' && o.metadata.name === 'notifications');
      // One per blue-green slot in prod, one elsewhere.
      expect(deployments).toHaveLength(env === 'prod' ? 2 : 1);
      for (const d of deployments) expect((d.spec as { replicas: number }).replicas).toBe(replicas);
      expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    }
  });

  it('reaches identity, which it declares', () => {
    expect(findConfig(bundle('staging'), 'ConfigMap', 'notifications-config').data.Services__Identity).toBe(
      'http://identity.b2connect.svc:80',
    );
    // Prod's slots: the identity of the same slot.
    const prod = findConfig(bundle('prod'), 'ConfigMap', 'notifications-config', 'b2connect-green').data;
    expect(prod.Services__Identity).toBe('http://identity.b2connect-green.svc:80');
  });
});
