import {
  ConfigError,
  ExternalCredentials,
  MESH_NATIVE_SIDECAR,
  restrictedPodSecurityContext,
  restrictedSecurityContext,
  selectorLabels,
  type ClusterPackageContext,
  type StoreSpec,
} from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

/** The package of the platform Elasticsearch (a store of the platform namespace). */
export const PLATFORM_STORE = 'elasticsearch';

/** Index names: one index a day per kind (`b2connect-logs-2026.12.01`), deleted by the lifecycle policy. */
export const LOG_INDEX_PREFIX = 'b2connect-logs';
export const TRACE_INDEX_PREFIX = 'b2connect-traces';
/** The index lifecycle policy of both. */
export const LIFECYCLE_POLICY = 'b2connect-logs';
/** The role the platform Elasticsearch gives the log writer: create its indices and documents, nothing else. */
export const WRITER_ROLE = 'b2connect-log-writer';
/**
 * The properties of `logging.credentialsKey` the index setup signs in with on an external cluster: a
 * user of its own with manage_ilm and manage_index_templates, so that the writer (`username`,
 * `password`) only writes. On the platform's cluster the setup signs in as its superuser instead.
 */
export const EXTERNAL_SETUP_PROPERTIES = { username: 'setup-username', password: 'setup-password' } as const;

/** What the log shippers, Kibana and the index setup connect to in one environment. */
export interface LogStore {
  readonly type: 'platform' | 'external';
  readonly scheme: 'http' | 'https';
  readonly host: string;
  readonly port: number;
  /** `scheme://host:port`. */
  readonly url: string;
  /** Where NetworkPolicies let the callers reach it. */
  readonly peer: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> } | { readonly cidr: string };
  /** Elasticsearch version (Kibana runs the same): the store's image tag, or the external cluster's `version`. */
  readonly version: string;
  /** Remote key and property of the superuser password the index setup signs in with (platform only). */
  readonly admin?: { readonly remoteKey: string; readonly property: string };
  /** Members of the cluster, for the replicas of the log indices. */
  readonly members: number;
}

/** The platform's Elasticsearch: what its store package's definition says (port, image, credentials). */
function platformStore(ctx: ClusterPackageContext): StoreSpec {
  const spec = ctx.workspace.packages.get(PLATFORM_STORE)?.definition.spec as Partial<StoreSpec> | undefined;
  if (spec?.port === undefined || spec.credentials === undefined || spec.image === undefined) {
    throw new ConfigError(`environments/${ctx.env.name}.yaml`, [
      {
        path: 'logging.elasticsearch.type',
        message: `is "platform", but the workspace has no store package "${PLATFORM_STORE}" with a port, credentials and an image; add services/${PLATFORM_STORE} or set logging.elasticsearch to an external cluster (type external, url, cidr, version)`,
      },
    ]);
  }
  return spec as StoreSpec;
}

export function logStore(ctx: ClusterPackageContext): LogStore {
  const target = ctx.env.logging.elasticsearch;
  if (target.type === 'external') {
    const url = new URL(target.url);
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
    return {
      type: 'external',
      scheme,
      host: url.hostname,
      port,
      url: `${scheme}://${url.hostname}:${port}`,
      peer: { cidr: target.cidr },
      version: target.version,
      members: 2,
    };
  }
  const store = platformStore(ctx);
  const pkg = ctx.workspace.packages.get(PLATFORM_STORE)!;
  const host = `${store.name}.${ctx.env.namespace}.svc`;
  return {
    type: 'platform',
    // Plain HTTP as every client of the store (services/elasticsearch): the mesh encrypts it where there is one.
    scheme: 'http',
    host,
    port: store.port,
    url: `http://${host}:${store.port}`,
    peer: { namespace: ctx.env.namespace, labels: selectorLabels(store.name) },
    version: store.image.tag ?? pkg.version,
    admin: { remoteKey: store.credentials.remoteKey, property: 'password' },
    members: ctx.env.stores.replicas,
  };
}

/** The egress rule to the log store, for a NetworkPolicy of a caller. */
export function toLogStore(store: LogStore): k8s.NetworkPolicyEgressRule {
  const to: k8s.NetworkPolicyPeer =
    'cidr' in store.peer
      ? { ipBlock: { cidr: store.peer.cidr } }
      : {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': store.peer.namespace } },
          podSelector: { matchLabels: { ...store.peer.labels } },
        };
  return { to: [to], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(store.port) }] };
}

/** The Secret `name` in `namespace`: the log writer's user name and password, from the environment's logging credentials. */
export function writerCredentials(scope: Construct, id: string, ctx: ClusterPackageContext, name: string, namespace: string): string {
  return new ExternalCredentials(scope, id, {
    name,
    namespace,
    store: ctx.env.secrets.store,
    remoteKey: ctx.env.logging.credentialsKey,
    refreshInterval: ctx.env.secrets.refreshInterval,
    properties: { username: 'username', password: 'password' },
    labels: ctx.labels,
  }).secretName;
}

/**
 * The index lifecycle: hot while written, read-only and merged after two days, deleted after the
 * environment's retention (`logging.retentionDays`).
 */
export function lifecyclePolicy(retentionDays: number): object {
  return {
    policy: {
      phases: {
        hot: { min_age: '0ms', actions: { set_priority: { priority: 100 } } },
        ...(retentionDays > 2
          ? { warm: { min_age: '2d', actions: { readonly: {}, forcemerge: { max_num_segments: 1 }, set_priority: { priority: 50 } } } }
          : {}),
        delete: { min_age: `${retentionDays}d`, actions: { delete: {} } },
      },
    },
  };
}

/** An index template that puts every daily index of `prefix` under the lifecycle policy. */
export function indexTemplate(prefix: string, replicas: number): object {
  return {
    index_patterns: [`${prefix}-*`],
    priority: 200,
    template: { settings: { 'index.lifecycle.name': LIFECYCLE_POLICY, 'index.number_of_replicas': replicas } },
  };
}

/** What the log writer may do on the platform Elasticsearch. */
export function writerRole(): object {
  return {
    cluster: ['monitor'],
    indices: [
      { names: [`${LOG_INDEX_PREFIX}-*`, `${TRACE_INDEX_PREFIX}-*`], privileges: ['create_doc', 'create_index', 'auto_configure'] },
    ],
  };
}

const SETUP = 'log-index-setup';
const CURL_IMAGE = { repository: 'curlimages/curl', tag: '8.11.1', user: 100 };

/**
 * The index setup: a CronJob (every 15 minutes, idempotent PUTs, like the store's snapshot policy) that
 * applies the lifecycle policy and the index templates through the Elasticsearch API and, on the
 * platform's cluster (signed in as its superuser), the log writer's role and user and the
 * kibana_system password. On an external cluster it signs in as a setup user of its own
 * (`EXTERNAL_SETUP_PROPERTIES` of the credentials key: manage_ilm and manage_index_templates), never as
 * the writer. In a meshed namespace the proxy runs as a native sidecar, so that the Job completes.
 * Request bodies, which carry the passwords it sets, go through stdin, never the command line.
 */
export function indexSetup(scope: Construct, ctx: ClusterPackageContext, store: LogStore, namespace: string): void {
  const labels = { ...ctx.labels, 'app.kubernetes.io/name': SETUP, 'app.kubernetes.io/instance': SETUP };
  const replicas = Math.min(1, store.members - 1);
  const secret = new ExternalCredentials(scope, 'SetupCredentials', {
    name: `${SETUP}-credentials`,
    namespace,
    store: ctx.env.secrets.store,
    remoteKey: ctx.env.logging.credentialsKey,
    refreshInterval: ctx.env.secrets.refreshInterval,
    // The users it creates on the platform's cluster; on an external one, the setup user it signs in as.
    properties: store.admin
      ? { username: 'username', password: 'password', 'kibana-password': 'kibana-password' }
      : { ...EXTERNAL_SETUP_PROPERTIES },
    labels: ctx.labels,
  }).secretName;
  const admin = store.admin
    ? new ExternalCredentials(scope, 'AdminCredentials', {
        name: `${SETUP}-admin`,
        namespace,
        store: ctx.env.secrets.store,
        remoteKey: store.admin.remoteKey,
        refreshInterval: ctx.env.secrets.refreshInterval,
        properties: { password: store.admin.property },
        labels: ctx.labels,
      }).secretName
    : undefined;
  const json = (o: object) => `'${JSON.stringify(o)}'`;
  const script = [
    'set -eu',
    // A JSON string of a value read from the environment (backslashes and quotes escaped).
    `quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\\\"]/\\\\&/g')"; }`,
    'call() { curl -fsS -u "$AUTH_USER:$AUTH_PASSWORD" -H "Content-Type: application/json" -X "$1" "$ES_URL$2" --data-binary @-; echo; }',
    `echo ${json(lifecyclePolicy(ctx.env.logging.retentionDays))} | call PUT /_ilm/policy/${LIFECYCLE_POLICY}`,
    `echo ${json(indexTemplate(LOG_INDEX_PREFIX, replicas))} | call PUT /_index_template/${LOG_INDEX_PREFIX}`,
    `echo ${json(indexTemplate(TRACE_INDEX_PREFIX, replicas))} | call PUT /_index_template/${TRACE_INDEX_PREFIX}`,
    ...(admin
      ? [
          `echo ${json(writerRole())} | call PUT /_security/role/${WRITER_ROLE}`,
          `printf '{"password":%s,"roles":["${WRITER_ROLE}"]}' "$(quote "$WRITER_PASSWORD")" | call PUT "/_security/user/$WRITER_USER"`,
          `printf '{"password":%s}' "$(quote "$KIBANA_PASSWORD")" | call POST /_security/user/kibana_system/_password`,
        ]
      : []),
  ].join('\n');
  const fromSecret = (name: string, secretName: string, key: string): k8s.EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: secretName, key } },
  });
  new k8s.KubeServiceAccount(scope, 'SetupAccount', {
    metadata: { name: SETUP, namespace, labels: { ...ctx.labels } },
    automountServiceAccountToken: false,
  });
  const sidecar = MESH_NATIVE_SIDECAR[ctx.env.capabilities.serviceMesh];
  new k8s.KubeCronJob(scope, 'Setup', {
    metadata: { name: SETUP, namespace, labels: { ...labels, 'app.kubernetes.io/component': 'index-setup' } },
    spec: {
      schedule: '*/15 * * * *',
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        spec: {
          backoffLimit: 3,
          activeDeadlineSeconds: 300,
          ttlSecondsAfterFinished: 86400,
          template: {
            metadata: { labels, ...(sidecar ? { annotations: { [sidecar]: 'true' } } : {}) },
            spec: {
              restartPolicy: 'OnFailure',
              serviceAccountName: SETUP,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext(CURL_IMAGE.user),
              containers: [
                {
                  name: 'index-setup',
                  image: `${ctx.env.images.registry}/${CURL_IMAGE.repository}:${CURL_IMAGE.tag}`,
                  imagePullPolicy: ctx.env.images.pullPolicy,
                  command: ['/bin/sh', '-c', script],
                  env: [
                    { name: 'ES_URL', value: store.url },
                    ...(admin
                      ? [
                          { name: 'AUTH_USER', value: 'elastic' },
                          fromSecret('AUTH_PASSWORD', admin, 'password'),
                          fromSecret('WRITER_USER', secret, 'username'),
                          fromSecret('WRITER_PASSWORD', secret, 'password'),
                          fromSecret('KIBANA_PASSWORD', secret, 'kibana-password'),
                        ]
                      : [fromSecret('AUTH_USER', secret, 'username'), fromSecret('AUTH_PASSWORD', secret, 'password')]),
                  ],
                  resources: {
                    requests: { cpu: k8s.Quantity.fromString('50m'), memory: k8s.Quantity.fromString('32Mi') },
                    limits: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('64Mi') },
                  },
                  securityContext: restrictedSecurityContext(CURL_IMAGE.user),
                },
              ],
            },
          },
        },
      },
    },
  });
  new k8s.KubeNetworkPolicy(scope, 'SetupPolicy', {
    metadata: { name: SETUP, namespace, labels: { ...ctx.labels } },
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': SETUP } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [toLogStore(store)],
    },
  });
}
