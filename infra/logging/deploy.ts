import { defineClusterPackage } from '@b2connect/k8s-lib';
import { collectorAdmission } from './admission';
import { indexSetup, logStore, PLATFORM_STORE } from './elasticsearch';
import { fluentBit } from './fluent-bit';
import { kibana } from './kibana';
import { COLLECTOR_NAMESPACE, OBSERVABILITY_NAMESPACE, packageNamespace } from './namespaces';
import { tracing } from './tracing';

export default defineClusterPackage({
  name: 'logging',
  team: 'platform',
  description:
    'Logs and traces: Fluent Bit on every node (its own privileged namespace, /var/log read-only) to Elasticsearch with an index lifecycle per environment, Kibana, the OpenTelemetry collector and the mesh tracing.',
  // Literal, so that the project graph reads it without running the definition.
  dependsOn: ['namespaces', 'secret-store', 'elasticsearch'],
  // The platform's Elasticsearch admits both namespaces (its NetworkPolicy and, under Istio, its
  // AuthorizationPolicy). The collector runs outside the mesh: under Istio the store takes plain text from
  // it on its client port alone (decision 016).
  clients: (env) =>
    env.logging.elasticsearch.type === 'platform'
      ? [
          { namespace: COLLECTOR_NAMESPACE, reaches: [PLATFORM_STORE], outsideMesh: true },
          { namespace: OBSERVABILITY_NAMESPACE, reaches: [PLATFORM_STORE] },
        ]
      : [],
  build: (scope, ctx) => {
    const store = logStore(ctx);
    packageNamespace(scope, ctx, COLLECTOR_NAMESPACE, 'privileged', { meshed: false });
    collectorAdmission(scope, ctx, COLLECTOR_NAMESPACE);
    packageNamespace(scope, ctx, OBSERVABILITY_NAMESPACE, 'restricted', { meshed: true });
    fluentBit(scope, ctx, store, COLLECTOR_NAMESPACE);
    indexSetup(scope, ctx, store, OBSERVABILITY_NAMESPACE);
    kibana(scope, ctx, store, OBSERVABILITY_NAMESPACE);
    tracing(scope, ctx, store, OBSERVABILITY_NAMESPACE);
  },
});
