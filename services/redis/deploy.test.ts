import { beforeAll, describe, expect, it } from 'vitest';
import { findConfig, findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const kinds = (env: string) => bundle(env).map((o) => `${o.kind}/${o.metadata.name}`);

const sts = (env: string) => findObject(bundle(env), 'StatefulSet', 'redis');

describe('redis', () => {
  it('persists with AOF (fsync every second) and RDB snapshots', () => {
    const conf = findConfig(bundle('prod'), 'ConfigMap', 'redis-config').data['redis.conf'];
    expect(conf).toContain('appendonly yes');
    expect(conf).toContain('appendfsync everysec');
    expect(conf).toMatch(/^save \d+ \d+/m);
    expect(sts('prod').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('20Gi');
  });

  it('replicates with Sentinel in prod: three members, a sentinel beside each, a sentinel Service', () => {
    expect(sts('prod').spec.replicas).toBe(3);
    const containers = sts('prod').spec.template.spec.containers.map((c: { name: string }) => c.name);
    // And the metrics exporter, where prometheus-operator scrapes it.
    expect(containers).toEqual(['redis', 'sentinel', 'metrics']);
    const svc = findObject(bundle('prod'), 'Service', 'redis-sentinel');
    expect(svc.spec).toMatchObject({ publishNotReadyAddresses: true, ports: [{ name: 'sentinel', port: 26379 }] });
    const script = findConfig(bundle('prod'), 'ConfigMap', 'redis-config').data['start-sentinel.sh'];
    expect(script).toContain('sentinel monitor b2connect $master 6379 2');
    expect(script).not.toMatch(/auth-pass b2connect [^$]/);
  });

  it('runs one member without Sentinel in dev', () => {
    expect(sts('dev').spec.replicas).toBe(1);
    expect(sts('dev').spec.template.spec.containers).toHaveLength(1);
    expect(kinds('dev')).not.toContain('Service/redis-sentinel');
  });

  it('exports metrics through a redis_exporter sidecar on the member it runs beside, where prometheus-operator scrapes', () => {
    const exporter = sts('prod').spec.template.spec.containers.find((c: { name: string }) => c.name === 'metrics');
    expect(exporter.image).toBe('registry.b2connect.com/oliver006/redis_exporter:v1.67.0');
    expect(exporter.env).toEqual([
      { name: 'REDIS_ADDR', value: 'redis://127.0.0.1:6379' },
      { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-credentials', key: 'password' } } },
    ]);
    expect(findObject(bundle('prod'), 'PodMonitor', 'redis').spec.podMetricsEndpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http' },
    ]);
    expect(kinds('dev')).not.toContain('PodMonitor/redis');
  });

  it('backs up an RDB snapshot nightly', () => {
    const script = findObject(bundle('prod'), 'CronJob', 'redis-backup').spec.jobTemplate.spec.template.spec.containers[0].command[2];
    expect(script).toContain('--rdb /tmp/dump.rdb');
    expect(script).toContain('-mtime +30 -delete');
  });
});
