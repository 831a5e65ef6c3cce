import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canaryBundle } from '../../test/gate-fixtures';
import { environment, importLoader, makeWorkspace, webService } from '../../test/helpers';
import { Delivery } from '../kinds/delivery';
import { buildBundles } from './bundle';
import { podsAt, renderRolloutTimelines, rolloutTimelines } from './rollout-timeline';

/** The gate's canary fixture with three steps, an HPA 2..6 and a template measuring 4 times every 2m (and 3 times every 1m). */
function bundle(routed: boolean): any[] {
  const objects = canaryBundle();
  const rollout = objects.find((o) => o.kind === 'Rollout');
  if (!routed) delete rollout.spec.strategy.canary.trafficRouting;
  const analysis = rollout.spec.strategy.canary.steps[2];
  rollout.spec.strategy.canary.steps = [
    { setWeight: 10 },
    { pause: { duration: '5m' } },
    analysis,
    { setWeight: 50 },
    { pause: { duration: '90s' } },
    analysis,
    { setWeight: 80 },
  ];
  objects.find((o) => o.kind === 'AnalysisTemplate').spec.metrics = [
    { name: 'a', interval: '2m', count: 4 },
    { name: 'b', interval: '1m', count: 3 },
  ];
  objects.push({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web' },
    spec: { scaleTargetRef: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web' }, minReplicas: 2, maxReplicas: 6 },
  });
  return objects;
}

describe('rollout timeline', () => {
  it('reads the steps, the bake and the slowest metric of each analysis, and the HPA range from the bundle', () => {
    const [t] = rolloutTimelines(new Map([['web', bundle(true)]]));
    expect(t).toEqual({
      pkg: 'web',
      name: 'web',
      routers: ['istio', 'nginx'],
      replicas: { min: 2, max: 6 },
      steps: [
        // The first measurement runs at once: 4 measurements 2 minutes apart end after 3 × 120 s.
        { weight: 10, pauseSeconds: 300, analysisSeconds: 360 },
        { weight: 50, pauseSeconds: 90, analysisSeconds: 360 },
        { weight: 80, pauseSeconds: 0, analysisSeconds: 0 },
      ],
    });
  });

  it('adds the initial delay of a metric before its first measurement', () => {
    const objects = bundle(true);
    objects.find((o) => o.kind === 'AnalysisTemplate').spec.metrics = [{ name: 'a', interval: '1m', count: 3, initialDelay: '2m' }];
    const [t] = rolloutTimelines(new Map([['web', objects]]));
    // 2 minutes of delay, then measurements at 0, 1 and 2 minutes: 4 minutes.
    expect(t!.steps[0]!.analysisSeconds).toBe(240);
  });

  it('counts pods as the controller scales them: with a router the stable version keeps all, without one the pods make the share', () => {
    expect(podsAt(10, 6, true)).toEqual({ stable: 6, canary: 1, traffic: 10 });
    expect(podsAt(10, 2, false)).toEqual({ stable: 2, canary: 1, traffic: 33 });
    expect(podsAt(50, 6, false)).toEqual({ stable: 3, canary: 3, traffic: 50 });
  });

  it('draws the traffic per step and states the longest time to full promotion', () => {
    const md = renderRolloutTimelines(rolloutTimelines(new Map([['web', bundle(true)]])), 'prod');
    // 5m bake + 6m analysis, then 1.5m + 6m: 18.5 minutes.
    expect(md).toContain('Longest time to full promotion: 18.5m.');
    expect(md).toContain('  bar [10, 50, 80, 100]');
    expect(md).toContain('| 1 | 10% | 10% | 2 + 1 | 6 + 1 | 5m | 6m | 11m |');
    const basic = renderRolloutTimelines(rolloutTimelines(new Map([['web', bundle(false)]])), 'staging');
    expect(basic).toContain('Traffic: pod counts');
    expect(basic).toContain('| 1 | 10% | about 33% at 2 replicas, 14% at 6 |');
  });

  it('is written beside the manifests of a canary package, and nowhere else', async () => {
    const root = makeWorkspace({
      environments: {
        prod: environment('prod', {
          capabilities: { argoRollouts: true, prometheusOperator: true, serviceMesh: 'istio', rabbitmqOperator: true },
        }),
      },
      packages: {
        web: webService('web', {
          autoscaling: { min: 2, max: 4 },
          delivery: Delivery.canary({ analysis: { latency: { maxMs: 300 } } }),
        } as never),
        plain: webService('plain'),
      },
    });
    const outDir = join(root, 'out');
    await buildBundles(root, { load: importLoader, outDir });
    const md = readFileSync(join(outDir, 'prod', 'web', 'rollout.md'), 'utf8');
    // Three default steps of 5m bake and 5 measurements a minute apart (the first at once): 3 × (5m + 4m).
    expect(md).toContain('Replicas: 2..4 (HPA). Longest time to full promotion: 27m.');
    expect(readdirSync(join(outDir, 'prod', 'plain')).sort()).toEqual(['kustomization.yaml', 'manifests.yaml']);
  });
});
