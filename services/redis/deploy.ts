import { BackupCronJob, defineStore, mebibytes, StatefulStore, type StoreContainerProps, type StoreContext } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';

const MASTER_NAME = 'b2connect';
/** redis_exporter (Prometheus community), a sidecar of every member where Prometheus scrapes. */
const EXPORTER = { repository: 'oliver006/redis_exporter', tag: 'v1.67.0', port: 9121 };
/** Members from which Sentinel runs: a quorum of 2 needs three sentinels. */
const SENTINEL_FROM = 3;

export default defineStore({
  name: 'redis',
  team: 'data',
  description: 'Redis: cache and sessions, persisted (AOF + RDB); replicated with Sentinel failover from three members.',
  component: 'cache',
  image: { repository: 'library/redis', tag: '7.4.1' },
  port: 6379,
  credentials: { remoteKey: 'b2connect/redis', consumerKeys: ['password'] },
  storage: { size: '5Gi' },
  overrides: { prod: { storage: { size: '20Gi' } } },
  connection: (ctx): Record<string, string> =>
    sentinel(ctx) ? { Sentinels: `redis-sentinel.${ctx.env.namespace}.svc:26379`, ServiceName: MASTER_NAME } : {},
  network: (ctx) => (sentinel(ctx) ? { clientPorts: [6379, 26379], peerPorts: [6379, 26379] } : {}),
  metrics: (ctx) => ({
    engine: 'redis',
    podLabels: ctx.selector,
    port: { name: 'metrics', number: EXPORTER.port },
    pods: 'redis-[0-9]+',
    statefulSet: 'redis',
  }),
  build: (scope, ctx) => {
    const withSentinel = sentinel(ctx);
    const password = { secret: ctx.credentialsSecret, key: 'password' };
    const ping = (port: number) => ({
      exec: ['/bin/sh', '-c', `redis-cli -p ${port} -a "$REDIS_PASSWORD" --no-auth-warning ping | grep -q PONG`],
    });
    const store = new StatefulStore(scope, 'Redis', {
      ...ctx.workload,
      ports: { redis: 6379 },
      dataPath: '/data',
      runAsUser: 999,
      env: { REDIS_PASSWORD: password, POD_NAMESPACE: { fieldPath: 'metadata.namespace' } },
      command: withSentinel ? ['/bin/sh', '/etc/redis/start-redis.sh'] : ['redis-server'],
      // $(VAR) is expanded by the kubelet from the container's environment.
      args: withSentinel ? undefined : ['/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
      configFiles: {
        mountPath: '/etc/redis',
        files: {
          'redis.conf': redisConf(ctx),
          ...(withSentinel ? { 'start-redis.sh': START_REDIS, 'start-sentinel.sh': START_SENTINEL } : {}),
        },
      },
      readiness: ping(6379),
      liveness: { tcp: 6379 },
      extraVolumes: withSentinel ? [{ name: 'sentinel', emptyDir: true }] : [],
      sidecars: [
        ...(withSentinel
          ? [
              {
                name: 'sentinel',
                command: ['/bin/sh', '/etc/redis/start-sentinel.sh'],
                env: { REDIS_PASSWORD: password, POD_NAMESPACE: { fieldPath: 'metadata.namespace' } },
                ports: { sentinel: 26379 },
                readiness: ping(26379),
                liveness: { tcp: 26379 },
                mounts: [
                  { volume: 'config', path: '/etc/redis', readOnly: true },
                  { volume: 'sentinel', path: '/sentinel' },
                ],
                resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '50m', memory: '64Mi' } },
              },
            ]
          : []),
        ...(ctx.env.capabilities.prometheusOperator ? [exporter(ctx)] : []),
      ],
    });
    if (withSentinel) {
      new k8s.KubeService(scope, 'Sentinel', {
        metadata: { name: 'redis-sentinel', labels: { ...store.labels } },
        spec: {
          type: 'ClusterIP',
          // Sentinels must be reachable while Redis itself is not ready yet: the start scripts ask them for the master.
          publishNotReadyAddresses: true,
          selector: { ...store.selector },
          ports: [{ name: 'sentinel', port: 26379, targetPort: k8s.IntOrString.fromString('sentinel') }],
        },
      });
    }
    new BackupCronJob(scope, 'Backup', {
      store: 'redis',
      labels: ctx.labels,
      image: ctx.image,
      runAsUser: 999,
      schedule: ctx.backups.schedule,
      retentionDays: ctx.backups.retentionDays,
      volume: ctx.backups.volume,
      dump: 'redis-cli -h redis -a "$REDIS_PASSWORD" --no-auth-warning --rdb /tmp/dump.rdb >/dev/null && cat /tmp/dump.rdb',
      extension: 'rdb',
      env: { REDIS_PASSWORD: password },
      resources: ctx.resources,
    });
  },
});

/** The exporter reads the member it runs beside; no readiness probe, so a failing exporter never takes Redis out of its Service. */
function exporter(ctx: StoreContext): StoreContainerProps {
  return {
    name: 'metrics',
    image: ctx.imageOf(EXPORTER.repository, EXPORTER.tag),
    env: { REDIS_ADDR: 'redis://127.0.0.1:6379', REDIS_PASSWORD: { secret: ctx.credentialsSecret, key: 'password' } },
    ports: { metrics: EXPORTER.port },
    liveness: { tcp: EXPORTER.port },
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
  };
}

function sentinel(ctx: StoreContext): boolean {
  return ctx.replicas >= SENTINEL_FROM;
}

function redisConf(ctx: StoreContext): string {
  const limitMi = mebibytes(ctx.resources.limits.memory);
  return [
    'port 6379',
    'bind * -::*',
    'protected-mode no',
    'dir /data',
    '# Persistence: append-only file fsynced every second, plus RDB snapshots for backups.',
    'appendonly yes',
    'appendfsync everysec',
    'save 3600 1 300 100 60 10000',
    `maxmemory ${Math.floor(limitMi * 0.75)}mb`,
    'maxmemory-policy allkeys-lru',
    'replica-read-only yes',
    '',
  ].join('\n');
}

/** Picks the role at start only; Sentinel does every failover. */
const START_REDIS = `#!/bin/sh
set -eu
self="$(hostname).redis-headless.$POD_NAMESPACE.svc"
master="$(redis-cli -h redis-sentinel -p 26379 --raw sentinel get-master-addr-by-name ${MASTER_NAME} 2>/dev/null | head -n 1 || true)"
[ -n "$master" ] || master="redis-0.redis-headless.$POD_NAMESPACE.svc"
set -- /etc/redis/redis.conf --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD" --replica-announce-ip "$self"
[ "$master" = "$self" ] || set -- "$@" --replicaof "$master" 6379
exec redis-server "$@"
`;

/** Sentinel rewrites its own config, so it gets a writable copy built at start. */
const START_SENTINEL = `#!/bin/sh
set -eu
self="$(hostname).redis-headless.$POD_NAMESPACE.svc"
master="$(redis-cli -h redis-sentinel -p 26379 --raw sentinel get-master-addr-by-name ${MASTER_NAME} 2>/dev/null | head -n 1 || true)"
[ -n "$master" ] || master="redis-0.redis-headless.$POD_NAMESPACE.svc"
cat > /sentinel/sentinel.conf <<EOF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel monitor ${MASTER_NAME} $master 6379 2
sentinel auth-pass ${MASTER_NAME} $REDIS_PASSWORD
sentinel down-after-milliseconds ${MASTER_NAME} 5000
sentinel failover-timeout ${MASTER_NAME} 60000
sentinel parallel-syncs ${MASTER_NAME} 1
exec redis-sentinel /sentinel/sentinel.conf
`;
