import { BackupCronJob, defineStore } from '@b2connect/k8s-lib';
import { rabbitmq } from '@b2connect/k8s-lib/crds';
import { k8s } from 'cdk8s-plus-28';

const quantity = (q: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(q).map(([k, v]) => [k, rabbitmq.RabbitmqClusterSpecResourcesLimits.fromString(v)]));

/** Pod Security "restricted" and a read-only root for the operator's containers, which it sets neither. */
const restricted = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * Where RabbitMQ writes besides what the operator already mounts (the data volume at
 * /var/lib/rabbitmq/mnesia, emptyDirs at /var/lib/rabbitmq for the Erlang cookie and at /etc/rabbitmq,
 * where its setup-container writes the configuration): /tmp for Erlang and the CLI tools, and the
 * image's log directory (logs go to stdout; a file output, if one is ever configured, lands there).
 */
const writable = [
  { name: 'writable-tmp', mountPath: '/tmp' },
  { name: 'writable-var-log-rabbitmq', mountPath: '/var/log/rabbitmq' },
];

export default defineStore({
  name: 'rabbitmq',
  team: 'data',
  description: 'RabbitMQ: a cluster run by the RabbitMQ cluster operator, quorum queues by default.',
  component: 'message-broker',
  image: { repository: 'library/rabbitmq', tag: '3.13.7-management' },
  port: 5672,
  credentials: { remoteKey: 'b2connect/rabbitmq' },
  storage: { size: '10Gi' },
  overrides: { prod: { storage: { size: '50Gi' } } },
  connection: () => ({ VirtualHost: '/' }),
  network: (ctx) => ({
    podLabels: { 'app.kubernetes.io/name': 'rabbitmq' },
    // The operator names the nodes' ServiceAccount <cluster>-server.
    serviceAccount: 'rabbitmq-server',

    // Erlang distribution (epmd and inter-node); backups and the operator use the management API.
    peerPorts: [4369, 25672],
    backupPorts: [15672],
    operator: { namespace: ctx.env.network.operatorNamespaces.rabbitmqOperator, ports: [15672] },
  }),

  // The operator enables RabbitMQ's built-in prometheus plugin on every node (port "prometheus").
  metrics: () => ({
    engine: 'rabbitmq',
    podLabels: { 'app.kubernetes.io/name': 'rabbitmq' },
    port: { name: 'prometheus', number: 15692 },
    pods: 'rabbitmq-server-[0-9]+',
    statefulSet: 'rabbitmq-server',
  }),
  build: (scope, ctx) => {
    if (!ctx.env.capabilities.rabbitmqOperator)
      throw new Error(`rabbitmq needs the RabbitMQ cluster operator; environment ${ctx.env.name} has none`);
    new rabbitmq.RabbitmqCluster(scope, 'Cluster', {
      metadata: { name: 'rabbitmq', labels: { ...ctx.labels } },
      spec: {
        replicas: ctx.replicas,
        image: ctx.image,
        resources: { requests: quantity(ctx.resources.requests), limits: quantity(ctx.resources.limits) },
        persistence: ctx.storage
          ? {
              storageClassName: ctx.storage.storageClass,
              storage: rabbitmq.RabbitmqClusterSpecPersistenceStorage.fromString(ctx.storage.size),
            }
          : { emptyDir: {} },
        // The default user comes from the ExternalSecret-created Secret, not from the operator.
        secretBackend: { externalSecret: { name: ctx.credentialsSecret } },
        rabbitmq: {
          additionalConfig: [
            'default_queue_type = quorum',
            'cluster_partition_handling = pause_minority',
            'vm_memory_high_watermark.relative = 0.6',
          ].join('\n'),
        },
        override: {
          statefulSet: {
            spec: {
              persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
              template: {
                spec: {
                  automountServiceAccountToken: false,
                  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
                  // Merged by name onto the operator's pod template (strategic merge).
                  containers: [{ name: 'rabbitmq', securityContext: restricted, volumeMounts: writable }],
                  initContainers: [{ name: 'setup-container', securityContext: restricted }],
                  volumes: writable.map(({ name }) => ({
                    name,
                    emptyDir: {
                      sizeLimit:
                        rabbitmq.RabbitmqClusterSpecOverrideStatefulSetSpecTemplateSpecVolumesEmptyDirSizeLimit.fromString('256Mi'),
                    },
                  })),
                  topologySpreadConstraints:
                    ctx.replicas > 1
                      ? [
                          {
                            maxSkew: 1,
                            topologyKey: 'kubernetes.io/hostname',
                            whenUnsatisfiable: 'DoNotSchedule',
                            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } },
                          },
                          {
                            maxSkew: 1,
                            topologyKey: 'topology.kubernetes.io/zone',
                            whenUnsatisfiable: 'ScheduleAnyway',
                            labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } },
                          },
                        ]
                      : undefined,
                },
              },
            },
          },
        },
      },
    });
    if (ctx.replicas > 1) {
      // The operator creates none; one node at a time may go, which a three-node quorum survives.
      new k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
        metadata: { name: 'rabbitmq', labels: { ...ctx.labels } },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { 'app.kubernetes.io/name': 'rabbitmq' } } },
      });
    }
    // Messages live in replicated quorum queues; what a restore needs is the topology: the definitions.
    new BackupCronJob(scope, 'Backup', {
      store: 'rabbitmq',
      labels: ctx.labels,
      image: ctx.imageOf('curlimages/curl', '8.10.1'),
      runAsUser: 100,
      schedule: ctx.backups.schedule,
      retentionDays: ctx.backups.retentionDays,
      volume: ctx.backups.volume,
      dump: 'curl -fsS -u "$RABBITMQ_USERNAME:$RABBITMQ_PASSWORD" http://rabbitmq:15672/api/definitions',
      extension: 'json',
      env: {
        RABBITMQ_USERNAME: { secret: ctx.credentialsSecret, key: 'username' },
        RABBITMQ_PASSWORD: { secret: ctx.credentialsSecret, key: 'password' },
      },
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '64Mi' } },
    });
  },
});
