import { describe, expect, it } from 'vitest';
import { synth } from '../../test/helpers';
import { CanaryRollout, rolloutManagedFields, type CanaryRolloutProps } from './canary-rollout';
import { WebService } from './web-service';

const props = (over: Partial<CanaryRolloutProps> = {}): Omit<CanaryRolloutProps, 'service'> => ({
  namespace: 'b2connect',
  steps: [{ weight: 10, pause: '1m' }],
  analysis: {
    maxErrorRate: 0.01,
    latencyPercentile: 99,
    maxLatencyMs: 300,
    minRequests: 10,
    interval: '1m',
    count: 3,
    failureLimit: 1,
    inconclusiveLimit: 0,
  },
  routing: {},
  prometheusUrl: 'http://prometheus:9090',
  metrics: { buckets: 'b_bucket', count: 'b_count', statusLabel: 'code' },
  ...over,
});

const build = (over: Partial<CanaryRolloutProps> = {}) =>
  synth((scope) => {
    const service = new WebService(scope, 'Web', { name: 'web', team: 't', image: 'registry.example.com/web:1.0.0', replicas: 2 });
    new CanaryRollout(scope, 'Canary', { service, ...props(over) });
  });

describe('CanaryRollout', () => {
  it('leaves no Deployment and keeps the fixed replicas', () => {
    const objects = build();
    expect(objects.filter((o) => o.kind === 'Deployment')).toEqual([]);
    expect((objects.find((o) => o.kind === 'Rollout')!.spec as any).replicas).toBe(2);
  });

  it('fails when the weights do not rise', () => {
    expect(() =>
      build({
        steps: [
          { weight: 30, pause: '1m' },
          { weight: 30, pause: '1m' },
        ],
      }),
    ).toThrow("CanaryRollout web: steps.1.weight: 30 must be above the previous step's 30");
  });

  it('fails when a query does not parse', () => {
    expect(() => build({ metrics: { buckets: 'b_bucket', count: 'b count', statusLabel: 'code' } })).toThrow(
      /metric error-rate: PromQL does not parse/,
    );
  });

  it("names what Argo CD leaves to the controller: the route weights, the subsets' hashes, the canary Ingress it clones", () => {
    const managed = (routing: CanaryRolloutProps['routing']) => rolloutManagedFields(build({ routing })).map((e) => [e.kind, e.name]);
    expect(managed({ istio: true })).toEqual([
      ['VirtualService', 'web'],
      ['DestinationRule', 'web'],
    ]);
    expect(managed({ nginx: { stableIngress: 'public' } })).toEqual([['Ingress', 'web-public-canary']]);
    // Beside NGINX, Istio splits between the two Services: no subsets for the controller to label.
    expect(managed({ istio: true, nginx: { stableIngress: 'public' } })).toEqual([
      ['VirtualService', 'web'],
      ['Ingress', 'web-public-canary'],
    ]);
    expect(rolloutManagedFields(build())).toEqual([]);
  });
});
