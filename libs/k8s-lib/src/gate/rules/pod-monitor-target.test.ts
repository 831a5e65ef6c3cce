import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle, inNamespace } from '../../../test/gate-fixtures';
import { podMonitorTarget as rule } from './pod-monitor-target';

const monitor = (port: string, selector: Record<string, string> = { 'app.kubernetes.io/name': 'web' }) => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PodMonitor',
  metadata: { name: 'web' },
  spec: { selector: { matchLabels: selector }, podMetricsEndpoints: [{ port, path: '/metrics' }] },
});

const withMetricsPort = () => {
  const objects = goodBundle();
  deployment(objects).spec.template.spec.containers.push({
    name: 'exporter',
    image: 'registry.example.com/exporter:1.0.0',
    ports: [{ name: 'metrics', containerPort: 9121 }],
  });
  return objects;
};

const rabbitmq = {
  apiVersion: 'rabbitmq.com/v1beta1',
  kind: 'RabbitmqCluster',
  metadata: { name: 'rabbitmq' },
  spec: {},
};

describe(rule.id, () => {
  it("stays quiet when the selected pods have the named port (a sidecar's, or one the operator documents)", () => {
    expect(check(rule, [...withMetricsPort(), monitor('metrics')])).toEqual([]);
    expect(check(rule, [...goodBundle(), rabbitmq, monitor('prometheus', { 'app.kubernetes.io/name': 'rabbitmq' })])).toEqual([]);
  });

  it('fires when the port is not a container port of the selected pods', () => {
    expect(check(rule, [...goodBundle(), monitor('metrics')])[0]!.message).toBe(
      'endpoint port "metrics" is not a container port of the selected pods',
    );
    expect(check(rule, [...goodBundle(), rabbitmq, monitor('metrics', { 'app.kubernetes.io/name': 'rabbitmq' })])).toHaveLength(1);
  });

  it('fires when no pods are selected', () => {
    expect(check(rule, [...withMetricsPort(), monitor('metrics', { 'app.kubernetes.io/name': 'other' })])[0]!.message).toContain(
      'matches no pods',
    );
  });

  describe('in namespaces (blue-green slots)', () => {
    const at = (namespace: string, namespaceSelector?: object) => {
      const m: any = monitor('metrics');
      return { ...m, metadata: { ...m.metadata, namespace }, spec: { ...m.spec, ...(namespaceSelector ? { namespaceSelector } : {}) } };
    };
    const blue = () => inNamespace(withMetricsPort(), 'b2connect-blue');

    it("fires when the selected pods are only in another namespace than the monitor's", () => {
      const findings = check(rule, [...blue(), at('b2connect')]);
      expect(findings.map((f) => f.message)).toEqual([
        'selector {"matchLabels":{"app.kubernetes.io/name":"web"}} matches no pods in b2connect',
      ]);
      expect(check(rule, [...blue(), at('b2connect', { matchNames: ['b2connect-green'] })])).toHaveLength(1);
    });

    it('stays quiet for pods in its own namespace, or in one its namespaceSelector names', () => {
      expect(check(rule, [...blue(), at('b2connect-blue')])).toEqual([]);
      expect(check(rule, [...blue(), at('b2connect', { matchNames: ['b2connect-blue'] })])).toEqual([]);
      expect(check(rule, [...blue(), at('b2connect', { any: true })])).toEqual([]);
    });
  });
});
