import { describe, expect, it } from 'vitest';
import { synth } from '../../test/helpers';
import { CANARY_ROLE_LABEL, CanaryRollout, rolloutManagedFields, type CanaryRolloutProps } from './canary-rollout';
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
    const service = new WebService(scope, 'Web', {
      name: 'web',
      team: 't',
      image: 'registry.example.com/web:1.0.0',
      replicas: 2,
      ports: { http: 8080, metrics: 9090 },
    });
    new CanaryRollout(scope, 'Canary', { service, ...props(over) });
  });

describe('CanaryRollout', () => {
  it('leaves no Deployment and keeps the fixed replicas', () => {
    const objects = build();
    expect(objects.filter((o) => o.kind === 'Deployment')).toEqual([]);
    expect((objects.find((o) => o.kind === 'Rollout')!.spec as any).replicas).toBe(2);
  });

  it('gives the extra Services the role label and the HTTP port only, so that a monitor scrapes each pod once', () => {
    const objects = build();
    const service = (name: string) => objects.find((o) => o.kind === 'Service' && o.metadata.name === name) as any;
    const own = service('web');
    // The service's own Service keeps every port and no role: it is the one monitors select.
    expect(own.spec.ports.map((p: any) => p.name)).toEqual(['http', 'metrics']);
    expect(own.metadata.labels[CANARY_ROLE_LABEL]).toBeUndefined();
    for (const [name, role] of [
      ['web-stable', 'stable'],
      ['web-canary', 'canary'],
    ] as const) {
      const extra = service(name);
      expect(extra.metadata.labels).toEqual({ ...own.metadata.labels, 'b2connect.io/canary-role': role });
      expect(extra.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
      expect(extra.spec.selector).toEqual(own.spec.selector);
    }
  });

  it('surges only the basic canary: with a traffic router the controller ignores maxSurge and maxUnavailable, and the stable pods stay', () => {
    const canary = (routing: CanaryRolloutProps['routing']) =>
      (build({ routing }).find((o) => o.kind === 'Rollout')!.spec as any).strategy.canary;
    expect(canary({})).toMatchObject({ maxSurge: '25%', maxUnavailable: 0 });
    for (const routing of [{ istio: true }, { nginx: { stableIngress: 'public' } }]) {
      const routed = canary(routing);
      expect(routed.trafficRouting).toBeDefined();
      expect(routed).not.toHaveProperty('maxSurge');
      expect(routed).not.toHaveProperty('maxUnavailable');
      // Left off on purpose: a rollback finds the whole stable ReplicaSet running.
      expect(routed).not.toHaveProperty('dynamicStableScale');
    }
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

  it("leaves to the controller's field manager the VirtualService and the DestinationRule it edits, and nothing for the Ingress it clones", () => {
    const byManager = (kind: string) => ({
      group: 'networking.istio.io',
      kind,
      name: 'web',
      managedFieldsManagers: ['rollouts-controller'],
    });
    expect(rolloutManagedFields(build({ routing: { istio: true } }))).toEqual([byManager('VirtualService'), byManager('DestinationRule')]);
    // The canary Ingress is the controller's clone, not in the bundle: Argo CD does not track it.
    expect(rolloutManagedFields(build({ routing: { nginx: { stableIngress: 'public' } } }))).toEqual([]);
    // Beside NGINX, Istio splits between the two Services: no subsets for the controller to label.
    expect(rolloutManagedFields(build({ routing: { istio: true, nginx: { stableIngress: 'public' } } }))).toEqual([
      byManager('VirtualService'),
    ]);
    expect(rolloutManagedFields(build())).toEqual([]);
  });
});
