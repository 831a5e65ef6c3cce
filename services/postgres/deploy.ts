import { BackupCronJob, defineStore, ExternalCredentials, StatefulStore, type StoreContext } from '@b2connect/k8s-lib';
import { cnpg, cnpgBackup } from '@b2connect/k8s-lib/crds';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

const DATABASE = 'b2connect';
const PG_VERSION = '16.4';

export default defineStore({
  name: 'postgres',
  team: 'data',
  description: 'PostgreSQL: CloudNativePG cluster with WAL archiving where the operator runs, a single instance elsewhere.',
  component: 'database',
  image: { repository: 'library/postgres', tag: PG_VERSION },
  port: 5432,
  credentials: { remoteKey: 'b2connect/postgres', secretType: 'kubernetes.io/basic-auth' },
  storage: { size: '10Gi' },
  overrides: {
    staging: { storage: { size: '50Gi' } },
    prod: { storage: { size: '100Gi' }, size: 'large' },
  },
  connection: () => ({ Database: DATABASE }),
  network: (ctx) =>
    ctx.env.capabilities.cloudnativePg
      ? {
          podLabels: { 'cnpg.io/cluster': 'postgres' },
          // Streaming replication, and the instance manager's status endpoint the operator and peers call.
          peerPorts: [5432, 8000],
          // Backups are the operator's (WAL archiving, base backups): no backup pods of ours.
          backupPorts: [],

          operator: { namespace: ctx.env.network.operatorNamespaces.cloudnativePg, ports: [8000] },
          apiServer: true,
          objectStore: true,
        }
      : {},

  // CloudNativePG's instance manager exports the metrics on every instance; the single instance of dev has no exporter.
  metrics: (ctx) =>
    ctx.env.capabilities.cloudnativePg
      ? {
          engine: 'cloudnative-pg',
          podLabels: { 'cnpg.io/cluster': 'postgres' },
          port: { name: 'metrics', number: 9187 },
          pods: 'postgres-[0-9]+',
        }
      : undefined,
  build: (scope, ctx) => (ctx.env.capabilities.cloudnativePg ? cloudNativePg(scope, ctx) : singleInstance(scope, ctx)),
});

/** Staging and prod: a CloudNativePG Cluster (automatic failover), WAL archiving and daily base backups. */
function cloudNativePg(scope: Construct, ctx: StoreContext): void {
  const objectStore = ctx.backups.objectStore;
  if (!objectStore)
    throw new Error(`postgres needs backups.objectStore in environment ${ctx.env.name} for WAL archiving (point-in-time recovery)`);
  if (!ctx.storage) throw new Error('a CloudNativePG cluster always has persistent storage: set persistence: true');
  const backupSecret = new ExternalCredentials(scope, 'BackupCredentials', {
    name: 'postgres-backup-credentials',
    store: ctx.env.secrets.store,
    remoteKey: objectStore.credentialsKey,
    refreshInterval: ctx.env.secrets.refreshInterval,
    labels: ctx.labels,
  }).secretName;
  const quantity = (q: Record<string, string>) =>
    Object.fromEntries(Object.entries(q).map(([k, v]) => [k, cnpg.ClusterSpecResourcesLimits.fromString(v)]));
  new cnpg.Cluster(scope, 'Cluster', {
    metadata: { name: 'postgres', labels: { ...ctx.labels } },
    spec: {
      instances: ctx.replicas,
      imageName: ctx.imageOf('cloudnative-pg/postgresql', PG_VERSION),
      primaryUpdateStrategy: cnpg.ClusterSpecPrimaryUpdateStrategy.UNSUPERVISED,
      primaryUpdateMethod: cnpg.ClusterSpecPrimaryUpdateMethod.SWITCHOVER,
      enableSuperuserAccess: false,
      bootstrap: { initdb: { database: DATABASE, owner: 'b2connect', secret: { name: ctx.credentialsSecret } } },
      storage: { size: ctx.storage.size, storageClass: ctx.storage.storageClass },
      resources: { requests: quantity(ctx.resources.requests), limits: quantity(ctx.resources.limits) },
      affinity: { enablePodAntiAffinity: true, podAntiAffinityType: 'required', topologyKey: 'kubernetes.io/hostname' },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { 'cnpg.io/cluster': 'postgres' } },
        },
      ],
      backup: {
        retentionPolicy: `${ctx.backups.retentionDays}d`,
        barmanObjectStore: {
          destinationPath: objectStore.destinationPath,
          endpointUrl: objectStore.endpointUrl,
          s3Credentials: {
            accessKeyId: { name: backupSecret, key: 'ACCESS_KEY_ID' },
            secretAccessKey: { name: backupSecret, key: 'ACCESS_SECRET_KEY' },
          },
          wal: { compression: cnpg.ClusterSpecBackupBarmanObjectStoreWalCompression.GZIP, maxParallel: 2 },
          data: { compression: cnpg.ClusterSpecBackupBarmanObjectStoreDataCompression.GZIP },
        },
      },
    },
  });
  new cnpgBackup.ScheduledBackup(scope, 'ScheduledBackup', {
    metadata: { name: 'postgres-daily', labels: { ...ctx.labels } },
    spec: {
      // CloudNativePG schedules have a seconds field.
      schedule: `0 ${ctx.backups.schedule}`,
      cluster: { name: 'postgres' },
      backupOwnerReference: cnpgBackup.ScheduledBackupSpecBackupOwnerReference.SELF,
      immediate: true,
    },
  });
  // The client Service every consumer uses, on the current primary: the same host in every environment.
  new k8s.KubeService(scope, 'Primary', {
    metadata: { name: 'postgres', labels: { ...ctx.labels } },
    spec: {
      type: 'ClusterIP',
      selector: { 'cnpg.io/cluster': 'postgres', 'cnpg.io/instanceRole': 'primary' },
      ports: [{ name: 'postgres', port: 5432, targetPort: k8s.IntOrString.fromNumber(5432) }],
    },
  });
}

/** Dev: one PostgreSQL instance from the official image, with a nightly pg_dump. */
function singleInstance(scope: Construct, ctx: StoreContext): void {
  const secret = (key: string) => ({ secret: ctx.credentialsSecret, key });
  const sql = (query: string) => ['/bin/sh', '-c', `psql -U "$POSTGRES_USER" -d ${DATABASE} -tAc '${query}'`];
  new StatefulStore(scope, 'Postgres', {
    ...ctx.workload,
    ports: { postgres: 5432 },
    replicas: 1,
    dataPath: '/var/lib/postgresql/data',
    runAsUser: 999,
    env: {
      PGDATA: '/var/lib/postgresql/data/pgdata',
      POSTGRES_DB: DATABASE,
      POSTGRES_USER: secret('username'),
      POSTGRES_PASSWORD: secret('password'),
    },
    writablePaths: ['/tmp', '/var/run/postgresql'],
    readiness: { exec: sql('SELECT 1') },
    liveness: { exec: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'] },
  });
  new BackupCronJob(scope, 'Backup', {
    store: 'postgres',
    labels: ctx.labels,
    image: ctx.image,
    runAsUser: 999,
    schedule: ctx.backups.schedule,
    retentionDays: ctx.backups.retentionDays,
    volume: ctx.backups.volume,
    dump: `pg_dump -h postgres -U "$PGUSER" -d ${DATABASE} -Fc`,
    extension: 'dump',
    env: { PGUSER: secret('username'), PGPASSWORD: secret('password') },
    resources: ctx.resources,
  });
}
