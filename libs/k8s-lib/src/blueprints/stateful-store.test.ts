import { describe, expect, it } from 'vitest';
import { find, synth } from '../../test/helpers';
import { validateObject } from '../check/validate';
import { BackupCronJob } from './backup-job';
import { ExternalCredentials } from './external-credentials';
import { StatefulStore, type StatefulStoreProps } from './stateful-store';

const base: StatefulStoreProps = {
  name: 'cache',
  team: 'data',
  component: 'cache',
  image: 'registry.example.com/library/redis:7.4.1',
  ports: { redis: 6379 },
  replicas: 3,
  dataPath: '/data',
  storage: { size: '20Gi', storageClass: 'fast-ssd' },
  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
  runAsUser: 999,
  readiness: { exec: ['redis-cli', 'ping'] },
  liveness: { tcp: 6379 },
};
const build = (over: Partial<StatefulStoreProps> = {}) => synth((scope) => new StatefulStore(scope, 'Cache', { ...base, ...over }));

describe('StatefulStore', () => {
  it('keeps one persistent volume per member, also when the set is deleted or scaled down', () => {
    const sts = find(build(), 'StatefulSet', 'cache');
    expect(sts.spec.volumeClaimTemplates).toEqual([
      {
        metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'cache', 'app.kubernetes.io/instance': 'cache' } },
        spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } },
      },
    ]);
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual({ name: 'data', mountPath: '/data' });
  });

  it('uses an emptyDir for data when there is no persistence', () => {
    const sts = find(build({ storage: undefined }), 'StatefulSet', 'cache');
    expect(sts.spec).not.toHaveProperty('volumeClaimTemplates');
    expect(sts.spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  it('has a headless Service for peer identity and a client Service', () => {
    const objects = build();
    const headless = find(objects, 'Service', 'cache-headless');
    expect(headless.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(find(objects, 'StatefulSet', 'cache').spec.serviceName).toBe('cache-headless');
    expect(find(objects, 'Service', 'cache').spec).toMatchObject({
      type: 'ClusterIP',
      ports: [{ name: 'redis', port: 6379, targetPort: 'redis' }],
    });
  });

  it('probes with the engine health command and runs restricted with a read-only root', () => {
    const c = find(build(), 'StatefulSet', 'cache').spec.template.spec.containers[0];
    expect(c.readinessProbe.exec.command).toEqual(['redis-cli', 'ping']);
    expect(c.livenessProbe.tcpSocket.port).toBe(6379);
    expect(c.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 999,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('spreads members and bounds disruption when there is more than one', () => {
    const objects = build();
    expect(find(objects, 'PodDisruptionBudget', 'cache').spec.maxUnavailable).toBe(1);
    expect(find(objects, 'StatefulSet', 'cache').spec.template.spec.topologySpreadConstraints).toHaveLength(2);
    const single = build({ replicas: 1 });
    expect(single.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('produces valid objects', () => {
    for (const o of build({
      configFiles: { mountPath: '/etc/x', files: { 'a.conf': 'a' } },
      sidecars: [{ name: 'side', liveness: { tcp: 1 } }],
    })) {
      expect(validateObject(o)).toEqual([]);
    }
  });

  it('fails when the image is not pinned', () => {
    expect(() => build({ image: 'redis:latest' })).toThrow(/must carry a pinned tag/);
  });
});

describe('ExternalCredentials', () => {
  it('creates the Secret from the environment store, by reference only', () => {
    const es = find(
      synth(
        (s) =>
          new ExternalCredentials(s, 'C', {
            name: 'db-credentials',
            store: 'platform',
            remoteKey: 'b2connect/db',
            secretType: 'kubernetes.io/basic-auth',
          }),
      ),
      'ExternalSecret',
      'db-credentials',
    );
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'platform' },
      target: { name: 'db-credentials', creationPolicy: 'Owner', template: { type: 'kubernetes.io/basic-auth' } },
      dataFrom: [{ extract: { key: 'b2connect/db' } }],
    });
    expect(validateObject(es)).toEqual([]);
  });
});

describe('BackupCronJob', () => {
  const objects = () =>
    synth(
      (s) =>
        new BackupCronJob(s, 'B', {
          store: 'db',
          labels: { 'app.kubernetes.io/name': 'db' },
          image: 'registry.example.com/library/postgres:16.4',
          runAsUser: 999,
          schedule: '0 2 * * *',
          retentionDays: 7,
          volume: { storageClass: 'regional', size: '50Gi' },
          dump: 'pg_dump -Fc',
          extension: 'dump',
          resources: base.resources,
        }),
    );

  it('dumps on schedule into a complete timestamped file, then applies the retention', () => {
    const cj = find(objects(), 'CronJob', 'db-backup');
    expect(cj.spec).toMatchObject({ schedule: '0 2 * * *', concurrencyPolicy: 'Forbid' });
    const script = cj.spec.jobTemplate.spec.template.spec.containers[0].command[2];
    expect(script).toContain('pg_dump -Fc > "$file.partial"');
    expect(script).toContain('mv "$file.partial" "$file"');
    expect(script).toContain("find /backups -name 'db-*.dump' -mtime +7 -delete");
  });

  it('keeps its volume when the volume leaves the bundle', () => {
    const pvc = find(objects(), 'PersistentVolumeClaim', 'db-backups');
    expect(pvc.spec.storageClassName).toBe('regional');
    expect(pvc.metadata.annotations).toMatchObject({
      'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    for (const o of objects()) expect(validateObject(o)).toEqual([]);
  });
});
