import { NODE_LOG_COLLECTOR, restrictedSecurityContext, type ClusterPackageContext, type Environment } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { LOG_INDEX_PREFIX, toLogStore, writerCredentials, type LogStore } from './elasticsearch';
import { MESH_INJECTION_OFF, namespaceOf, ports } from './namespaces';

export const FLUENT_BIT = 'fluent-bit';
export const FLUENT_BIT_IMAGE = { repository: 'fluent/fluent-bit', tag: '3.2.10' };
/** The HTTP server: health (`/api/v1/health`) and Prometheus metrics (`/api/v2/metrics/prometheus`). */
export const FLUENT_BIT_HTTP_PORT = 2020;
/** Its ServiceAccount: the one the policy gate lets hold the pod-metadata ClusterRole. */
export const FLUENT_BIT_ACCOUNT = NODE_LOG_COLLECTOR.serviceAccount;
/**
 * Not root: a user of its own, with the root group as a supplementary group. The kubelet and containerd
 * write container logs as root:root with mode 0640 in directories of mode 0755, so the group's read bit
 * is all it needs; no capability (DAC_READ_SEARCH) and no user 0.
 */
export const FLUENT_BIT_USER = 10000;
export const NODE_LOG_DIR = '/var/log';
/** Reads the cluster's pods and namespaces, for the metadata of each line (decision 016). */
export const METADATA_READER = 'log-collector-metadata-reader';

const CONFIG_DIR = '/fluent-bit/etc';
const STATE_DIR = '/fluent-bit/state';
const BUFFER_DIR = '/fluent-bit/buffer';
/** The buffer's emptyDir, and the most the es output queues in it (below, so that the volume never fills and the pod is not evicted). */
const BUFFER_VOLUME = '512Mi';
export const BUFFER_LIMIT = '400M';

/**
 * Fluent Bit's configuration, in its YAML format: every container log of the node (the CRI format,
 * multi-line joined), the pod's and namespace's metadata from the API server, and, where the
 * environment logs JSON (`logging.format`), each line parsed into fields under `app`; one index a day
 * in Elasticsearch.
 */
export function fluentBitConfig(env: Environment, store: LogStore): Record<string, unknown> {
  const json = env.logging.format === 'json';
  return {
    service: {
      flush: 1,
      log_level: 'info',
      http_server: 'on',
      http_listen: '0.0.0.0',
      http_port: FLUENT_BIT_HTTP_PORT,
      health_check: 'on',
      'storage.path': BUFFER_DIR,
      'storage.sync': 'normal',
      'storage.backlog.mem_limit': '16M',
    },
    pipeline: {
      inputs: [
        {
          name: 'tail',
          tag: 'kube.*',
          path: `${NODE_LOG_DIR}/containers/*.log`,
          // Not its own lines: an error about Elasticsearch would be shipped to Elasticsearch, and fail again.
          exclude_path: `${NODE_LOG_DIR}/containers/*_${NODE_LOG_COLLECTOR.namespace}_${FLUENT_BIT}-*.log`,
          'multiline.parser': 'cri',
          db: `${STATE_DIR}/tail.db`,
          'db.locking': true,
          mem_buf_limit: '50MB',
          skip_long_lines: 'on',
          refresh_interval: 10,
          'storage.type': 'filesystem',
        },
      ],
      filters: [
        {
          name: 'kubernetes',
          match: 'kube.*',
          kube_url: 'https://kubernetes.default.svc:443',
          kube_tag_prefix: `kube.${NODE_LOG_DIR.slice(1).replaceAll('/', '.')}.containers.`,
          labels: 'on',
          annotations: 'off',
          // A pod may opt out (fluentbit.io/exclude: "true"); it may not choose another parser.
          'k8s-logging.exclude': 'on',
          'k8s-logging.parser': 'off',
          ...(json ? { merge_log: 'on', merge_log_key: 'app', keep_log: 'off' } : { merge_log: 'off' }),
        },
      ],
      outputs: [
        {
          name: 'es',
          match: 'kube.*',
          host: store.host,
          port: store.port,
          tls: store.scheme === 'https' ? 'on' : 'off',
          ...(store.scheme === 'https' ? { 'tls.verify': 'on' } : {}),
          http_user: '${ES_USERNAME}',
          http_passwd: '${ES_PASSWORD}',
          logstash_format: 'on',
          logstash_prefix: LOG_INDEX_PREFIX,
          suppress_type_name: 'on',
          replace_dots: 'on',
          trace_error: 'on',
          // Retries while Elasticsearch is down, within the buffer: past the limit the oldest chunks go.
          retry_limit: 'no_limits',
          'storage.total_limit_size': BUFFER_LIMIT,
        },
      ],
    },
  };
}

/**
 * The node log collector in its own namespace: a DaemonSet on every node (every taint tolerated), the
 * only pod of the platform with a host path, `/var/log` read-only; otherwise restricted (non-root, no
 * capability, read-only root, seccomp). Its ServiceAccount reads pods and namespaces, nothing else.
 */
export function fluentBit(scope: Construct, ctx: ClusterPackageContext, store: LogStore, namespace: string): void {
  const selector = { 'app.kubernetes.io/name': FLUENT_BIT, 'app.kubernetes.io/instance': FLUENT_BIT };
  const labels = { ...ctx.labels, ...selector, 'app.kubernetes.io/component': 'log-collector' };
  const meta = (name: string) => ({ name, namespace, labels: { ...labels } });
  const secret = writerCredentials(scope, 'WriterCredentials', ctx, `${FLUENT_BIT}-credentials`, namespace);
  new k8s.KubeConfigMap(scope, 'FluentBitConfig', {
    metadata: meta(`${FLUENT_BIT}-config`),
    data: { 'fluent-bit.yaml': stringify(fluentBitConfig(ctx.env, store)) },
  });
  new k8s.KubeServiceAccount(scope, 'FluentBitAccount', { metadata: meta(FLUENT_BIT_ACCOUNT) });
  new k8s.KubeClusterRole(scope, 'MetadataReader', {
    metadata: { name: METADATA_READER, labels: { ...labels } },
    rules: [{ apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['get', 'list', 'watch'] }],
  });
  new k8s.KubeClusterRoleBinding(scope, 'MetadataReaderBinding', {
    metadata: { name: METADATA_READER, labels: { ...labels } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: METADATA_READER },
    subjects: [{ kind: 'ServiceAccount', name: FLUENT_BIT_ACCOUNT, namespace }],
  });
  const fromSecret = (name: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
  const http = k8s.IntOrString.fromNumber(FLUENT_BIT_HTTP_PORT);
  // Ready while its output works (health_check fails on errors and failed retries); alive while the HTTP
  // server answers, so that an Elasticsearch outage does not restart it and lose what it buffered.
  const health: k8s.HttpGetAction = { path: '/api/v1/health', port: http };
  const alive: k8s.HttpGetAction = { path: '/', port: http };
  new k8s.KubeDaemonSet(scope, 'FluentBit', {
    metadata: meta(FLUENT_BIT),
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
      template: {
        metadata: {
          labels,
          annotations: { 'kubectl.kubernetes.io/default-container': FLUENT_BIT, ...MESH_INJECTION_OFF[ctx.env.capabilities.serviceMesh] },
        },
        spec: {
          serviceAccountName: FLUENT_BIT_ACCOUNT,
          // Its image and its /var/log are Linux ones.
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          // The kubernetes filter reads pod metadata from the API server with the pod's token.
          automountServiceAccountToken: true,
          // Lines of a node under pressure are the ones most worth keeping.
          priorityClassName: 'system-node-critical',
          // Every node, tainted ones included: a node whose logs are not collected is a blind spot.
          tolerations: [{ operator: 'Exists' }],
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: FLUENT_BIT_USER,
            runAsGroup: FLUENT_BIT_USER,
            supplementalGroups: [0],
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: FLUENT_BIT,
              image: `${ctx.env.images.registry}/${FLUENT_BIT_IMAGE.repository}:${FLUENT_BIT_IMAGE.tag}`,
              imagePullPolicy: ctx.env.images.pullPolicy,
              command: ['/fluent-bit/bin/fluent-bit', `--config=${CONFIG_DIR}/fluent-bit.yaml`],
              env: [fromSecret('ES_USERNAME', 'username'), fromSecret('ES_PASSWORD', 'password')],
              ports: [{ name: 'http', containerPort: FLUENT_BIT_HTTP_PORT }],
              readinessProbe: { httpGet: health, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { httpGet: alive, initialDelaySeconds: 10, periodSeconds: 20, failureThreshold: 6 },
              resources: {
                requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
                limits: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
              },
              securityContext: restrictedSecurityContext(FLUENT_BIT_USER),
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'node-logs', mountPath: NODE_LOG_DIR, readOnly: true },
                { name: 'state', mountPath: STATE_DIR },
                { name: 'buffer', mountPath: BUFFER_DIR },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name: `${FLUENT_BIT}-config` } },
            { name: 'node-logs', hostPath: { path: NODE_LOG_DIR, type: 'Directory' } },
            { name: 'state', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            { name: 'buffer', emptyDir: { sizeLimit: k8s.Quantity.fromString(BUFFER_VOLUME) } },
          ],
        },
      },
    },
  });
  const api = ctx.env.network.apiServer;
  new k8s.KubeNetworkPolicy(scope, 'FluentBitPolicy', {
    metadata: meta(FLUENT_BIT),
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [namespaceOf(ctx.env.network.monitoringNamespace)], ports: ports(FLUENT_BIT_HTTP_PORT) }],
      egress: [toLogStore(store), { to: [{ ipBlock: { cidr: api.cidr } }], ports: ports(api.port) }],
    },
  });
}
