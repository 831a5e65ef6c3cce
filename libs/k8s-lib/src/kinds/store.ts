import { resolveStore, StoreSpecSchema, type StoreContext, type StoreSpec } from '../config/store';
import { selectorLabels } from '../labels';
import { ExternalCredentials } from '../blueprints/external-credentials';
import type { NetworkGraph } from '../blueprints/network';
import type { PackageKind } from './kind';
import { buildNetworkPolicies } from './workload';
import { ScrapeTarget } from '../blueprints/observability/metrics-monitor';

/** A data store on an existing engine (`defineStore`): its build function emits the engine's objects. */
export const storeKind: PackageKind<StoreSpec, StoreContext> = {
  name: 'store',
  schema: StoreSpecSchema,
  namespaced: true,
  resolve: (pkg, spec, env) => resolveStore(spec, env, pkg.file),
  network({ pkg, spec, env, resolved }, net) {
    const own = spec.network?.(resolved) ?? {};
    const clientPorts = [...(own.clientPorts ?? [spec.port])];
    net.pods(pkg.name, { ...(own.podLabels ?? resolved.selector) }, own.serviceAccount ?? pkg.name);
    const backupPorts = [...(own.backupPorts ?? clientPorts)];
    if (backupPorts.length > 0) {
      const backup = `${pkg.name}-backup`;
      net.pods(backup, selectorLabels(backup), backup);
      net.edge(backup, pkg.name, backupPorts);
    }
    net.edge(pkg.name, pkg.name, [...(own.peerPorts ?? [])]);
    if (own.operator) {
      const id = `operator:${own.operator.namespace}`;
      net.namespace(id, own.operator.namespace);
      net.edge(id, pkg.name, [...own.operator.ports]);
    }
    if (own.apiServer) {
      net.ip('kube-apiserver', env.network.apiServer.cidr);
      net.edge(pkg.name, 'kube-apiserver', [env.network.apiServer.port]);
    }
    if (own.objectStore) {
      net.ip('object-store', env.network.objectStore.cidr);
      net.edge(pkg.name, 'object-store', [env.network.objectStore.port]);
    }
    // Prometheus reaches the engine's exporter where the environment runs prometheus-operator.
    const metrics = env.capabilities.prometheusOperator ? spec.metrics?.(resolved) : undefined;
    return { served: clientPorts, ...(metrics ? { metricsPort: metrics.port.number } : {}) };
  },
  observability: ({ spec, resolved }) => {
    const metrics = spec.metrics?.(resolved);
    if (!metrics) return undefined;
    return {
      workloads: [{ kind: metrics.statefulSet ? 'StatefulSet' : 'Pods', name: metrics.statefulSet ?? spec.name, pods: metrics.pods }],
      scrape: ScrapeTarget.pods({ selector: metrics.podLabels, port: metrics.port.name, path: metrics.path }),
      engine: { ...metrics, replicas: resolved.replicas },
    };
  },
  endpoint: ({ pkg, spec, env, resolved }) => ({
    type: 'store',
    name: pkg.name,
    host: `${pkg.name}.${env.namespace}.svc`,
    port: spec.port,
    connection: spec.connection?.(resolved) ?? {},
    credentials: { secret: resolved.credentialsSecret, keys: spec.credentials.consumerKeys },
  }),
  wave: () => 2,
  build(chart, ctx) {
    const { spec, env, resolved } = ctx;
    buildNetworkPolicies(chart, ctx, spec);
    const credentials = {
      name: resolved.credentialsSecret,
      store: env.secrets.store,
      remoteKey: resolved.credentialsRemoteKey,
      refreshInterval: env.secrets.refreshInterval,
      labels: resolved.labels,
      secretType: spec.credentials.secretType,
    };
    new ExternalCredentials(chart, 'Credentials', credentials);
    // A pod reads Secrets of its own namespace only: each slot whose services use the store gets the
    // same credentials, from the same key of the backend, beside them.
    for (const namespace of consumerNamespaces(ctx.model.graph, ctx.pkg.name, env.namespace)) {
      new ExternalCredentials(chart, `Credentials-${namespace}`, { ...credentials, namespace });
    }
    spec.build(chart, resolved);
  },
};

/** The namespaces other than the store's own whose pods have an edge to the store (its consumers in slots). */
function consumerNamespaces(graph: NetworkGraph, store: string, own: string): string[] {
  const namespaces = graph.edges.flatMap((e) => {
    const from = graph.nodes.get(e.from);
    return e.to === store && from?.kind === 'pods' && from.namespace !== undefined && from.namespace !== own ? [from.namespace] : [];
  });
  return [...new Set(namespaces)].sort();
}
