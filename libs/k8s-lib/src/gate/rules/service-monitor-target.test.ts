import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
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
});
