import { describe, expect, it } from 'vitest';
import { find, synth } from '../../test/helpers';
import { SmokeTest, type SmokeTestProps } from './smoke-test';

const base: SmokeTestProps = {
  namespace: 'ingress-nginx',
  image: 'registry.example.com/b2connect/smoke-tests:1.0.0',
  command: ['run'],
  slot: 'green',
  targets: { API: 'http://api-gateway.b2connect-green.svc:80' },
  ports: [8080],
  targetNamespace: 'b2connect-green',
  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
  labels: {},
};
const egress = (over: Partial<SmokeTestProps> = {}) =>
  find(
    synth((scope) => new SmokeTest(scope, 'SmokeTest', { ...base, ...over })),
    'NetworkPolicy',
    'smoke-test',
  ).spec.egress as { to: { namespaceSelector: { matchLabels: Record<string, string> }; podSelector?: unknown }[]; ports: unknown[] }[];
const namespaces = (rules: ReturnType<typeof egress>) =>
  rules.map((r) => r.to[0]!.namespaceSelector.matchLabels['kubernetes.io/metadata.name']);

describe('SmokeTest', () => {
  it('reaches the cluster DNS besides the slot, since its namespace has no allow-dns policy', () => {
    const rules = egress();
    expect(namespaces(rules)).toEqual(['b2connect-green', 'kube-system']);
    expect(rules[1]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    });
  });

  it("reaches the mesh's control plane in a mesh", () => {
    expect(egress({ mesh: 'linkerd' })[2]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'linkerd' } } }],
      ports: [8080, 8086, 8090].map((port) => ({ protocol: 'TCP', port })),
    });
    expect(namespaces(egress({ mesh: 'istio' }))).toEqual(['b2connect-green', 'kube-system', 'istio-system']);
  });
});
