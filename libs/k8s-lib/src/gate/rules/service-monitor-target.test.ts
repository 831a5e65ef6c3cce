import { describe, expect, it } from 'vitest';
import { check, goodBundle, inNamespace } from '../../../test/gate-fixtures';
import { serviceMonitorTarget as rule } from './service-monitor-target';

const monitor = (port: string, name = 'web') => ({
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: { name: 'web' },
  spec: { selector: { matchLabels: { 'app.kubernetes.io/name': name } }, endpoints: [{ port, path: '/metrics' }] },
});

describe(rule.id, () => {
  it('stays quiet when a Service with the named port is selected', () => {
    expect(check(rule, [...goodBundle(), monitor('http')])).toEqual([]);
  });

  it('fires when the endpoint port is not a port of the Service', () => {
    expect(check(rule, [...goodBundle(), monitor('metrics')])[0]!.message).toBe(
      'endpoint port "metrics" is not a port of the selected Service',
    );
  });

  it('fires when no Service is selected', () => {
    expect(check(rule, [...goodBundle(), monitor('http', 'other')])[0]!.message).toContain('matches no Service');
  });

  describe('in namespaces (blue-green slots)', () => {
    const at = (namespace: string, namespaceSelector?: object) => {
      const m: any = monitor('http');
      return { ...m, metadata: { ...m.metadata, namespace }, spec: { ...m.spec, ...(namespaceSelector ? { namespaceSelector } : {}) } };
    };
    const blue = () => inNamespace(goodBundle(), 'b2connect-blue');

    it("fires when the selected Service is only in another namespace than the monitor's", () => {
      const findings = check(rule, [...blue(), at('b2connect')]);
      expect(findings.map((f) => f.message)).toEqual([
        'selector {"matchLabels":{"app.kubernetes.io/name":"web"}} matches no Service in b2connect',
      ]);
      expect(check(rule, [...blue(), at('b2connect', { matchNames: ['b2connect-green'] })])).toHaveLength(1);
    });

    it('stays quiet for a Service in its own namespace, or in one its namespaceSelector names', () => {
      expect(check(rule, [...blue(), at('b2connect-blue')])).toEqual([]);
      expect(check(rule, [...blue(), at('b2connect', { matchNames: ['b2connect-blue'] })])).toEqual([]);
      expect(check(rule, [...blue(), at('b2connect', { any: true })])).toEqual([]);
    });
  });
});
