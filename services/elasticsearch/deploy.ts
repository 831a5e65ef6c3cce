import {
  backupPodLabels,
  defineStore,
  ExternalCredentials,
  KEEP_ON_PRUNE,
  mebibytes,
  restrictedSecurityContext,
  StatefulStore,
  type StoreContainerProps,
  type StoreContext,
} from '@b2connect/k8s-lib';
import { certificates, issuers } from '@b2connect/k8s-lib/crds';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

const ES_VERSION = '8.15.3';
const HOME = '/usr/share/elasticsearch';
const USER = 1000;
/** elasticsearch_exporter (Prometheus community), a sidecar of every member where Prometheus scrapes. */
const EXPORTER = { repository: 'prometheuscommunity/elasticsearch-exporter', tag: 'v1.8.0', port: 9114 };

export default defineStore({
  name: 'elasticsearch',
  team: 'search',
  description: 'Elasticsearch: the product search cluster (StatefulSet; discovery through the headless Service).',
  component: 'search',
  image: { repository: 'elastic/elasticsearch', tag: ES_VERSION },
  port: 9200,
  credentials: { remoteKey: 'b2connect/elasticsearch' },
  storage: { size: '20Gi' },
  overrides: { prod: { storage: { size: '200Gi' }, size: 'large' } },
  connection: () => ({ Scheme: 'http' }),
  network: (ctx) => ({ peerPorts: [9300], objectStore: Boolean(ctx.backups.objectStore) }),
  metrics: (ctx) => ({
    engine: 'elasticsearch',
    podLabels: ctx.selector,
    port: { name: 'metrics', number: EXPORTER.port },
    pods: 'elasticsearch-[0-9]+',
    statefulSet: 'elasticsearch',
  }),

  build: (scope, ctx) => {
    if (!ctx.env.capabilities.certManager)
      throw new Error(`elasticsearch needs cert-manager for transport TLS; environment ${ctx.env.name} has none`);
    const objectStore = ctx.backups.objectStore;
    if (!objectStore && ctx.replicas > 1) {
      throw new Error(
        `elasticsearch with ${ctx.replicas} members needs backups.objectStore in environment ${ctx.env.name}: a file-system snapshot repository must be shared by every member`,
      );
    }
    transportCertificates(scope, ctx);
    const backupSecret = objectStore
      ? new ExternalCredentials(scope, 'BackupCredentials', {
          name: 'elasticsearch-backup-credentials',
          store: ctx.env.secrets.store,
          remoteKey: objectStore.credentialsKey,
          refreshInterval: ctx.env.secrets.refreshInterval,
          labels: ctx.labels,
        }).secretName
      : undefined;
    if (!objectStore) {
      new k8s.KubePersistentVolumeClaim(scope, 'SnapshotVolume', {
        metadata: { name: 'elasticsearch-backups', labels: { ...ctx.labels }, annotations: { ...KEEP_ON_PRUNE } },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: ctx.backups.volume.storageClass,
          resources: { requests: { storage: k8s.Quantity.fromString(ctx.backups.volume.size) } },
        },
      });
    }
    const heapMi = Math.floor(mebibytes(ctx.resources.limits.memory) / 2);
    const password = { secret: ctx.credentialsSecret, key: 'password' };
    const health = [
      '/bin/sh',
      '-c',
      'curl -fsS -u "elastic:$ELASTIC_PASSWORD" "http://127.0.0.1:9200/_cluster/health?local=true" >/dev/null',
    ];
    new StatefulStore(scope, 'Elasticsearch', {
      ...ctx.workload,
      ports: { http: 9200, transport: 9300 },
      podManagementPolicy: 'Parallel',
      dataPath: `${HOME}/data`,
      runAsUser: USER,
      terminationGracePeriodSeconds: 120,
      env: { ES_JAVA_OPTS: `-Xms${heapMi}m -Xmx${heapMi}m`, ELASTIC_PASSWORD: password },
      configFiles: { mountPath: '/mnt/es-config', files: { 'elasticsearch.yml': elasticsearchYml(ctx) } },
      writablePaths: ['/tmp', `${HOME}/logs`],
      extraVolumes: [
        { name: 'config-rw', emptyDir: true },
        { name: 'transport-tls', secret: 'elasticsearch-transport-tls' },
        ...(backupSecret ? [{ name: 'backup-credentials', secret: backupSecret }] : [{ name: 'snapshots' }]),
      ],
      extraMounts: [
        { volume: 'config-rw', path: `${HOME}/config` },
        { volume: 'transport-tls', path: `${HOME}/config/certs`, readOnly: true },
        ...(backupSecret ? [] : [{ volume: 'snapshots', path: '/backups' }]),
      ],
      initContainers: [
        {
          // The image writes its keystore into the config folder: give it a writable copy, root stays read-only.
          name: 'config',
          command: ['/bin/sh', '-c', initConfigScript(Boolean(backupSecret))],
          env: { ES_JAVA_OPTS: '-Xms64m -Xmx64m' },
          mounts: [
            { volume: 'config-rw', path: '/mnt/config' },
            { volume: 'config', path: '/mnt/es-config', readOnly: true },
            { volume: 'writable-tmp', path: '/tmp' },
            ...(backupSecret ? [{ volume: 'backup-credentials', path: '/mnt/backup-credentials', readOnly: true }] : []),
          ],
        },
      ],
      readiness: { exec: health },
      liveness: { tcp: 9300 },
      sidecars: ctx.env.capabilities.prometheusOperator ? [exporter(ctx)] : [],
    });
    snapshotPolicy(scope, ctx);
  },
});

/** The exporter reads the member it runs beside; no readiness probe, so a failing exporter never takes the member out of its Service. */
function exporter(ctx: StoreContext): StoreContainerProps {
  return {
    name: 'metrics',
    image: ctx.imageOf(EXPORTER.repository, EXPORTER.tag),
    args: ['--es.uri=http://127.0.0.1:9200', `--web.listen-address=:${EXPORTER.port}`],
    env: { ES_USERNAME: 'elastic', ES_PASSWORD: { secret: ctx.credentialsSecret, key: 'password' } },
    ports: { metrics: EXPORTER.port },
    liveness: { tcp: EXPORTER.port },
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
  };
}

function elasticsearchYml(ctx: StoreContext): string {
  const ns = ctx.env.namespace;
  const members = Array.from({ length: ctx.replicas }, (_, i) => `elasticsearch-${i}`);
  const objectStore = ctx.backups.objectStore;
  return [
    'cluster.name: b2connect',
    'node.name: ${HOSTNAME}',
    'network.host: 0.0.0.0',
    'http.port: 9200',
    'transport.port: 9300',
    '# mmapfs needs vm.max_map_count >= 262144 on every node, which takes a privileged init container;',
    '# niofs needs nothing (docs/decisions/007).',
    'node.store.allow_mmap: false',
    ...(ctx.replicas > 1
      ? [
          `discovery.seed_hosts: ["elasticsearch-headless.${ns}.svc"]`,
          `cluster.initial_master_nodes: [${members.map((m) => `"${m}"`).join(', ')}]`,
        ]
      : ['discovery.type: single-node']),
    'xpack.security.enabled: true',
    '# HTTP stays plain inside the namespace (the mesh encrypts it where there is one); transport is always TLS.',
    'xpack.security.http.ssl.enabled: false',
    'xpack.security.transport.ssl.enabled: true',
    'xpack.security.transport.ssl.verification_mode: certificate',
    'xpack.security.transport.ssl.key: certs/tls.key',
    'xpack.security.transport.ssl.certificate: certs/tls.crt',
    'xpack.security.transport.ssl.certificate_authorities: ["certs/ca.crt"]',
    ...(objectStore?.endpointUrl ? [`s3.client.default.endpoint: "${objectStore.endpointUrl}"`] : []),
    ...(objectStore ? [] : ['path.repo: ["/backups"]']),
    '',
  ].join('\n');
}

function initConfigScript(s3: boolean): string {
  return [
    'set -eu',
    `cp -a ${HOME}/config/. /mnt/config/`,
    'cp /mnt/es-config/elasticsearch.yml /mnt/config/elasticsearch.yml',
    ...(s3
      ? [
          'export ES_PATH_CONF=/mnt/config',
          'elasticsearch-keystore create',
          'elasticsearch-keystore add-file s3.client.default.access_key /mnt/backup-credentials/ACCESS_KEY_ID',
          'elasticsearch-keystore add-file s3.client.default.secret_key /mnt/backup-credentials/ACCESS_SECRET_KEY',
        ]
      : []),
  ].join('\n');
}

/** Transport TLS from cert-manager: a namespace-local CA and a certificate for every member. */
function transportCertificates(scope: Construct, ctx: StoreContext): void {
  const ns = ctx.env.namespace;
  const labels = { ...ctx.labels };
  new issuers.Issuer(scope, 'SelfSigned', { metadata: { name: 'elasticsearch-selfsigned', labels }, spec: { selfSigned: {} } });
  new certificates.Certificate(scope, 'CaCertificate', {
    metadata: { name: 'elasticsearch-ca', labels },
    spec: {
      isCa: true,
      commonName: 'elasticsearch-ca',
      secretName: 'elasticsearch-ca',
      duration: '87600h',
      privateKey: { algorithm: certificates.CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256 },
      issuerRef: { name: 'elasticsearch-selfsigned', kind: 'Issuer' },
    },
  });
  new issuers.Issuer(scope, 'CaIssuer', {
    metadata: { name: 'elasticsearch-ca', labels },
    spec: { ca: { secretName: 'elasticsearch-ca' } },
  });
  new certificates.Certificate(scope, 'TransportCertificate', {
    metadata: { name: 'elasticsearch-transport', labels },
    spec: {
      secretName: 'elasticsearch-transport-tls',
      duration: '2160h',
      renewBefore: '360h',
      dnsNames: [`elasticsearch-headless.${ns}.svc`, `*.elasticsearch-headless.${ns}.svc`],
      usages: [certificates.CertificateSpecUsages.SERVER_AUTH, certificates.CertificateSpecUsages.CLIENT_AUTH],
      privateKey: { algorithm: certificates.CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256 },
      issuerRef: { name: 'elasticsearch-ca', kind: 'Issuer' },
    },
  });
}

/**
 * Snapshots are scheduled and expired by Elasticsearch's own snapshot lifecycle management (SLM). This
 * CronJob only keeps the repository and the policy in place (idempotent PUTs, hourly).
 */
function snapshotPolicy(scope: Construct, ctx: StoreContext): void {
  const objectStore = ctx.backups.objectStore;
  const [bucket, ...path] = (objectStore?.destinationPath.replace(/^s3:\/\//, '') ?? '').split('/').filter(Boolean);
  const repository = objectStore
    ? { type: 's3', settings: { bucket, base_path: [...path, 'elasticsearch'].join('/') } }
    : { type: 'fs', settings: { location: '/backups' } };
  const policy = {
    schedule: quartz(ctx.backups.schedule),
    name: '<nightly-{now/d}>',
    repository: 'backups',
    config: { indices: ['*'], include_global_state: true },
    retention: { expire_after: `${ctx.backups.retentionDays}d`, min_count: 3, max_count: 100 },
  };
  const script = [
    'set -eu',
    'put() { curl -fsS -u "elastic:$ELASTIC_PASSWORD" -H "Content-Type: application/json" -X PUT "http://elasticsearch:9200$1" -d "$2"; echo; }',
    `put /_snapshot/backups '${JSON.stringify(repository)}'`,
    `put /_slm/policy/nightly '${JSON.stringify(policy)}'`,
  ].join('\n');
  new k8s.KubeServiceAccount(scope, 'BackupAccount', {
    metadata: { name: 'elasticsearch-backup', labels: { ...ctx.labels } },
    automountServiceAccountToken: false,
  });
  new k8s.KubeCronJob(scope, 'SnapshotPolicy', {
    metadata: { name: 'elasticsearch-snapshot-policy', labels: { ...ctx.labels, 'app.kubernetes.io/component': 'backup' } },
    spec: {
      schedule: '17 * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 3,
          ttlSecondsAfterFinished: 86400,
          template: {
            metadata: { labels: backupPodLabels('elasticsearch', ctx.labels) },
            spec: {
              restartPolicy: 'OnFailure',
              serviceAccountName: 'elasticsearch-backup',
              automountServiceAccountToken: false,

              securityContext: { runAsNonRoot: true, runAsUser: USER, runAsGroup: USER, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'snapshot-policy',
                  image: ctx.image,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['/bin/sh', '-c', script],
                  env: [{ name: 'ELASTIC_PASSWORD', valueFrom: { secretKeyRef: { name: ctx.credentialsSecret, key: 'password' } } }],
                  resources: {
                    requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('64Mi') },
                    limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('64Mi') },
                  },
                  securityContext: restrictedSecurityContext(USER),
                },
              ],
            },
          },
        },
      },
    },
  });
}

/** Five-field cron -> Elasticsearch's Quartz cron (seconds first, one of day-of-month/day-of-week is "?"). */
function quartz(cron: string): string {
  const [min, hour, dom, mon, dow] = cron.trim().split(/\s+/);
  return dow === '*' ? `0 ${min} ${hour} ${dom} ${mon} ?` : `0 ${min} ${hour} ? ${mon} ${dow}`;
}
