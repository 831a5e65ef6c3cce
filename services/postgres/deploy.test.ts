import { beforeAll, describe, expect, it } from 'vitest';
import { findObject, synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
});
const kinds = (env: string) => bundle(env).map((o) => `${o.kind}/${o.metadata.name}`);

describe('postgres', () => {
  it('runs CloudNativePG with three instances and automatic failover in staging and prod', () => {
    for (const env of ['staging', 'prod']) {
      const cluster = findObject(bundle(env), 'Cluster', 'postgres');
      expect(cluster.spec).toMatchObject({
        instances: 3,
        enableSuperuserAccess: false,
        primaryUpdateStrategy: 'unsupervised',
        bootstrap: { initdb: { database: 'b2connect', secret: { name: 'postgres-credentials' } } },
        affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required' },
      });
      expect(kinds(env)).not.toContain('StatefulSet/postgres');
    }
    expect(findObject(bundle('prod'), 'Cluster', 'postgres').spec.storage).toEqual({ size: '100Gi', storageClass: 'fast-ssd' });
  });

  it('archives WAL continuously and takes scheduled base backups with retention (point-in-time recovery)', () => {
    const spec = findObject(bundle('prod'), 'Cluster', 'postgres').spec;
    expect(spec.backup).toMatchObject({
      retentionPolicy: '30d',
      barmanObjectStore: {
        destinationPath: 's3://b2connect-backups/prod',
        s3Credentials: { accessKeyId: { name: 'postgres-backup-credentials', key: 'ACCESS_KEY_ID' } },
        wal: { compression: 'gzip' },
      },
    });
    expect(findObject(bundle('prod'), 'ScheduledBackup', 'postgres-daily').spec).toEqual({
      schedule: '0 0 1 * * *',
      cluster: { name: 'postgres' },
      backupOwnerReference: 'self',
      immediate: true,
    });
    expect(kinds('prod')).toContain('ExternalSecret/postgres-backup-credentials');
  });

  it('serves every consumer on the same host: a postgres Service on the current primary', () => {
    expect(findObject(bundle('prod'), 'Service', 'postgres').spec.selector).toEqual({
      'cnpg.io/cluster': 'postgres',
      'cnpg.io/instanceRole': 'primary',
    });
    expect(findObject(bundle('dev'), 'Service', 'postgres').spec.selector).toEqual({
      'app.kubernetes.io/name': 'postgres',
      'app.kubernetes.io/instance': 'postgres',
    });
  });

  it('runs a single instance from the official image in dev, with a nightly pg_dump', () => {
    const sts = findObject(bundle('dev'), 'StatefulSet', 'postgres');
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({
      storageClassName: 'standard',
      resources: { requests: { storage: '10Gi' } },
    });
    const c = sts.spec.template.spec.containers[0];
    expect(c.image).toBe('registry.b2connect.com/library/postgres:16.4');
    expect(c.env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'postgres-credentials', key: 'password' } },
    });
    const backup = findObject(bundle('dev'), 'CronJob', 'postgres-backup');
    expect(backup.spec.jobTemplate.spec.template.spec.containers[0].command[2]).toContain('pg_dump -h postgres');
  });

  it('opens replication and the operator in staging and prod, and a path for backup pods only where they exist', () => {
    const policy = findObject(bundle('prod'), 'NetworkPolicy', 'postgres');
    expect(policy.spec.podSelector).toEqual({ matchLabels: { 'cnpg.io/cluster': 'postgres' } });
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cnpg-system' } } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    });
    expect(kinds('prod')).not.toContain('NetworkPolicy/postgres-backup');
    expect(kinds('dev')).toContain('NetworkPolicy/postgres-backup');
  });

  it('takes its credentials from an ExternalSecret only, one beside each blue-green slot of its consumers', () => {
    for (const env of ['dev', 'staging', 'prod']) {
      // Prod's services run in two slots and read Secrets of their own namespace.
      const namespaces = env === 'prod' ? ['b2connect', 'b2connect-blue', 'b2connect-green'] : ['b2connect'];
      const credentials = bundle(env).filter((o) => o.kind === 'ExternalSecret' && o.metadata.name === 'postgres-credentials');
      expect(credentials.map((o) => o.metadata.namespace ?? 'b2connect').sort()).toEqual(namespaces);
      for (const es of credentials) {
        expect((es.spec as { dataFrom: unknown }).dataFrom).toEqual([{ extract: { key: 'b2connect/postgres' } }]);
      }
      expect(kinds(env).filter((k) => k.startsWith('Secret/'))).toEqual([]);
    }
  });
});
