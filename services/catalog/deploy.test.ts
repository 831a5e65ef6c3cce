import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const objects = (env: string): any[] => [...bundle(env)];
/** One object of catalog in an environment; prod has catalog in both blue-green slots, each alike: blue's. */
const find = (env: string, kind: string, name: string): any =>
  findObject(objects(env), kind, name, env === 'prod' ? 'b2connect-blue' : undefined);

describe('catalog', () => {
  it('delivers by canary in prod and staging, and rolls in dev, which has no Argo Rollouts', () => {
    for (const env of ['prod', 'staging']) {
      expect(objects(env).filter((o) => o.kind === 'Deployment')).toEqual([]);
      const rollout = find(env, 'Rollout', 'catalog');
      expect(rollout.spec.strategy.canary.steps.filter((s: any) => 'setWeight' in s).map((s: any) => s.setWeight)).toEqual([10, 25, 50]);
      expect(find(env, 'HorizontalPodAutoscaler', 'catalog').spec.scaleTargetRef.kind).toBe('Rollout');
    }
    // Each blue-green slot has its own Rollout.
    expect(
      objects('prod')
        .filter((o) => o.kind === 'Rollout')
        .map((o) => o.metadata.namespace),
    ).toEqual(['b2connect-blue', 'b2connect-green']);
    expect(find('dev', 'Deployment', 'catalog').spec.strategy.type).toBe('RollingUpdate');
    expect(objects('dev').some((o) => o.kind === 'Rollout')).toBe(false);
  });

  it('splits traffic with Istio in prod and by pod counts in staging (Linkerd, not public)', () => {
    const prod = find('prod', 'Rollout', 'catalog').spec.strategy.canary;
    expect(Object.keys(prod.trafficRouting)).toEqual(['istio']);
    expect(find('prod', 'VirtualService', 'catalog').spec.http[0].name).toBe('primary');
    expect(find('staging', 'Rollout', 'catalog').spec.strategy.canary.trafficRouting).toBeUndefined();
  });

  it('checks 1% errors and 500 ms at p99 on the canary', () => {
    const metrics = find('prod', 'AnalysisTemplate', 'catalog-canary').spec.metrics;
    expect(metrics.map((m: any) => [m.name, m.successCondition])).toEqual([
      ['error-rate', 'len(result) > 0 && result[0] <= 0.01'],
      ['latency-p99', 'len(result) > 0 && result[0] <= 0.5'],
    ]);
  });

  it('runs its migrations before the Rollout syncs (Argo CD wave 2, after the migration hook in wave 1)', () => {
    expect((find('prod', 'Rollout', 'catalog').metadata.annotations as Record<string, string>)['argocd.argoproj.io/sync-wave']).toBe('2');
  });
});
