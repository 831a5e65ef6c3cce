import { ExternalCredentials, restrictedSecurityContext, type ClusterPackageContext } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { fromSecret, loggingDeployment } from './deployment';
import { toLogStore, type LogStore } from './elasticsearch';

export const KIBANA = 'kibana';
export const KIBANA_PORT = 5601;
const KIBANA_USER = 1000;
const HOME = '/usr/share/kibana';

/**
 * Kibana, restricted: the version of the Elasticsearch it reads, signed in as kibana_system; two
 * replicas where the environment runs more than one (one key from the secret backend encrypts the
 * sessions and saved objects of both), spread and with a PodDisruptionBudget; not exposed (people reach
 * it with `kubectl port-forward` and sign in with their Elasticsearch users), so nothing reaches it on
 * the network.
 */
export function kibana(scope: Construct, ctx: ClusterPackageContext, store: LogStore, namespace: string): void {
  const selector = { 'app.kubernetes.io/name': KIBANA, 'app.kubernetes.io/instance': KIBANA };
  const labels = { ...ctx.labels, ...selector, 'app.kubernetes.io/component': 'log-ui', 'app.kubernetes.io/version': store.version };
  const meta = (name: string) => ({ name, namespace, labels: { ...labels } });
  const secret = new ExternalCredentials(scope, 'KibanaCredentials', {
    name: 'kibana-credentials',
    namespace,
    store: ctx.env.secrets.store,
    remoteKey: ctx.env.logging.credentialsKey,
    refreshInterval: ctx.env.secrets.refreshInterval,
    properties: { password: 'kibana-password', 'encryption-key': 'kibana-encryption-key' },
    labels: ctx.labels,
  }).secretName;
  new k8s.KubeServiceAccount(scope, 'KibanaAccount', { metadata: meta(KIBANA), automountServiceAccountToken: false });
  const port = k8s.IntOrString.fromNumber(KIBANA_PORT);
  const replicas = Math.min(2, ctx.env.replicas.max ?? 2);
  const secretEnv = fromSecret(secret);
  loggingDeployment(scope, 'Kibana', {
    name: KIBANA,
    metadata: () => meta(KIBANA),
    labels,
    selector,
    replicas,
    user: KIBANA_USER,
    containers: [
      {
        name: KIBANA,
        image: `${ctx.env.images.registry}/elastic/kibana:${store.version}`,
        imagePullPolicy: ctx.env.images.pullPolicy,
        env: [
          { name: 'ELASTICSEARCH_HOSTS', value: JSON.stringify([store.url]) },
          { name: 'ELASTICSEARCH_USERNAME', value: 'kibana_system' },
          secretEnv('ELASTICSEARCH_PASSWORD', 'password'),
          secretEnv('XPACK_SECURITY_ENCRYPTIONKEY', 'encryption-key'),
          secretEnv('XPACK_ENCRYPTEDSAVEDOBJECTS_ENCRYPTIONKEY', 'encryption-key'),
          { name: 'SERVER_HOST', value: '0.0.0.0' },
          { name: 'TELEMETRY_OPTIN', value: 'false' },
          { name: 'NODE_OPTIONS', value: '--max-old-space-size=800' },
        ],
        ports: [{ name: 'http', containerPort: KIBANA_PORT }],
        // /login answers without a session once Kibana serves; /api/status asks for one.
        readinessProbe: { httpGet: { path: '/login', port }, initialDelaySeconds: 20, periodSeconds: 10, failureThreshold: 6 },
        livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 120, periodSeconds: 20, failureThreshold: 6 },
        resources: {
          requests: { cpu: k8s.Quantity.fromString('200m'), memory: k8s.Quantity.fromString('1Gi') },
          limits: { cpu: k8s.Quantity.fromString('1'), memory: k8s.Quantity.fromString('1Gi') },
        },
        securityContext: restrictedSecurityContext(KIBANA_USER),
        volumeMounts: [
          { name: 'data', mountPath: `${HOME}/data` },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
    volumes: [
      { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
      { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
    ],
  });
  new k8s.KubeService(scope, 'KibanaService', {
    metadata: meta(KIBANA),
    spec: { selector, ports: [{ name: 'http', port: KIBANA_PORT, targetPort: k8s.IntOrString.fromString('http') }] },
  });
  new k8s.KubeNetworkPolicy(scope, 'KibanaPolicy', {
    metadata: meta(KIBANA),
    spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [toLogStore(store)] },
  });
}
