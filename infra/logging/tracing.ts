import { containerResources, restrictedSecurityContext, type ClusterPackageContext, type Environment } from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { fromSecret, loggingDeployment } from './deployment';
import { TRACE_INDEX_PREFIX, toLogStore, writerCredentials, type LogStore } from './elasticsearch';
import { namespaceOf, ports } from './namespaces';

export const COLLECTOR = 'otel-collector';
export const COLLECTOR_IMAGE = { repository: 'otel/opentelemetry-collector-contrib', tag: '0.116.1', user: 10001 };
export const OTLP_GRPC_PORT = 4317;
export const OTLP_HTTP_PORT = 4318;
const HEALTH_PORT = 13133;

/** Whether the mesh traces the requests (Istio's Telemetry) and so samples them, rather than the collector. */
export function meshTraces(env: Environment): boolean {
  return env.capabilities.serviceMesh === 'istio';
}

/**
 * The collector's configuration: OTLP in, spans sampled at the environment's rate unless the mesh
 * already sampled them, batched, written to one Elasticsearch index a day.
 */
export function collectorConfig(env: Environment, store: LogStore): Record<string, unknown> {
  const sample = !meshTraces(env);
  return {
    extensions: { health_check: { endpoint: `0.0.0.0:${HEALTH_PORT}` } },
    receivers: {
      otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` }, http: { endpoint: `0.0.0.0:${OTLP_HTTP_PORT}` } } },
    },
    processors: {
      memory_limiter: { check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 },
      ...(sample ? { probabilistic_sampler: { sampling_percentage: env.tracing.samplingPercent } } : {}),
      batch: {},
    },
    exporters: {
      elasticsearch: {
        endpoints: [store.url],
        user: '${env:ES_USERNAME}',
        password: '${env:ES_PASSWORD}',
        traces_index: TRACE_INDEX_PREFIX,
        logstash_format: { enabled: true, prefix_separator: '-', date_format: '%Y.%m.%d' },
      },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['memory_limiter', ...(sample ? ['probabilistic_sampler'] : []), 'batch'],
          exporters: ['elasticsearch'],
        },
      },
    },
  };
}

/**
 * Tracing: an OpenTelemetry collector per environment (OTLP from the platform namespace, to
 * Elasticsearch), and where the mesh is Istio a Telemetry resource that makes every sidecar trace at
 * the environment's sampling rate through the MeshConfig provider `tracing.istioProvider`, which points
 * at this collector. The platform namespace may reach the collector's OTLP ports.
 */
export function tracing(scope: Construct, ctx: ClusterPackageContext, store: LogStore, namespace: string): void {
  const env = ctx.env;
  const selector = { 'app.kubernetes.io/name': COLLECTOR, 'app.kubernetes.io/instance': COLLECTOR };
  const labels = { ...ctx.labels, ...selector, 'app.kubernetes.io/component': 'trace-collector' };
  const meta = (name: string) => ({ name, namespace, labels: { ...labels } });
  const replicas = Math.min(2, env.replicas.max ?? 2);
  const secret = writerCredentials(scope, 'CollectorCredentials', ctx, `${COLLECTOR}-credentials`, namespace);
  new k8s.KubeConfigMap(scope, 'CollectorConfig', {
    metadata: meta(`${COLLECTOR}-config`),
    data: { 'config.yaml': stringify(collectorConfig(env, store)) },
  });
  new k8s.KubeServiceAccount(scope, 'CollectorAccount', { metadata: meta(COLLECTOR), automountServiceAccountToken: false });
  const secretEnv = fromSecret(secret);
  const health: k8s.HttpGetAction = { path: '/', port: k8s.IntOrString.fromNumber(HEALTH_PORT) };
  loggingDeployment(scope, 'Collector', {
    name: COLLECTOR,
    metadata: () => meta(COLLECTOR),
    labels,
    selector,
    replicas,
    user: COLLECTOR_IMAGE.user,
    containers: [
      {
        name: COLLECTOR,
        image: `${env.images.registry}/${COLLECTOR_IMAGE.repository}:${COLLECTOR_IMAGE.tag}`,
        imagePullPolicy: env.images.pullPolicy,
        args: ['--config=/conf/config.yaml'],
        env: [secretEnv('ES_USERNAME', 'username'), secretEnv('ES_PASSWORD', 'password')],
        ports: [
          { name: 'otlp-grpc', containerPort: OTLP_GRPC_PORT },
          { name: 'otlp-http', containerPort: OTLP_HTTP_PORT },
        ],
        readinessProbe: { httpGet: health, periodSeconds: 10 },
        livenessProbe: { httpGet: health, initialDelaySeconds: 10, periodSeconds: 20, failureThreshold: 6 },
        resources: containerResources({
          requests: { cpu: '100m', memory: '256Mi' },
          limits: { cpu: '1', memory: '512Mi' },
        }),
        securityContext: restrictedSecurityContext(COLLECTOR_IMAGE.user),
        volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
      },
    ],
    volumes: [{ name: 'config', configMap: { name: `${COLLECTOR}-config` } }],
  });
  new k8s.KubeService(scope, 'CollectorService', {
    metadata: meta(COLLECTOR),
    spec: {
      selector,
      ports: [
        { name: 'otlp-grpc', port: OTLP_GRPC_PORT, targetPort: k8s.IntOrString.fromString('otlp-grpc'), appProtocol: 'grpc' },
        { name: 'otlp-http', port: OTLP_HTTP_PORT, targetPort: k8s.IntOrString.fromString('otlp-http'), appProtocol: 'http' },
      ],
    },
  });
  new k8s.KubeNetworkPolicy(scope, 'CollectorPolicy', {
    metadata: meta(COLLECTOR),
    spec: {
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [namespaceOf(env.namespace)], ports: ports(OTLP_GRPC_PORT, OTLP_HTTP_PORT) }],
      egress: [toLogStore(store)],
    },
  });
  // The other side of the edge: every pod of the platform namespace (its sidecar, or its own SDK) sends spans.
  new k8s.KubeNetworkPolicy(scope, 'PlatformToCollector', {
    metadata: { name: 'allow-tracing', namespace: env.namespace, labels: { ...ctx.labels } },
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        { to: [{ ...namespaceOf(namespace), podSelector: { matchLabels: selector } }], ports: ports(OTLP_GRPC_PORT, OTLP_HTTP_PORT) },
      ],
    },
  });
  if (meshTraces(env)) {
    new ApiObject(scope, 'MeshTracing', {
      apiVersion: 'telemetry.istio.io/v1',
      kind: 'Telemetry',
      metadata: { name: 'tracing', namespace: env.namespace, labels: { ...ctx.labels } },
      spec: { tracing: [{ providers: [{ name: env.tracing.istioProvider }], randomSamplingPercentage: env.tracing.samplingPercent }] },
    });
  }
}
