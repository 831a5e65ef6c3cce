import { monitoredNamespaces } from '../observability';
import { ref, type Finding, type LabelSelector, type Rule } from '../types';

/**
 * Port names of the pods operators create, as they document them (the bundle holds no pod spec for
 * them): CloudNativePG's instances and the RabbitMQ cluster operator's nodes.
 */
const OPERATOR_PORTS: Record<string, readonly string[]> = {
  'postgresql.cnpg.io/Cluster': ['postgresql', 'metrics', 'status'],
  'rabbitmq.com/RabbitmqCluster': ['amqp', 'management', 'prometheus', 'epmd', 'cluster-links', 'web-mqtt', 'web-stomp', 'stream'],
};

/**
 * A PodMonitor selects pods of the bundle, in the namespaces it watches (its own unless
 * `namespaceSelector` says), that have a container port of every name its endpoints use.
 */
export const podMonitorTarget: Rule = {
  id: 'pod-monitor-target',
  why: 'a PodMonitor that selects no pod, or names a port they do not have, scrapes nothing and says nothing',
  check(bundle) {
    const findings: Finding[] = [];
    for (const pm of bundle.ofKind('PodMonitor')) {
      const spec = pm.spec as { selector?: LabelSelector; podMetricsEndpoints?: { port?: string }[] };
      // In the namespaces it watches: the same labels in another namespace (the other blue-green slot) are not its pods.
      const namespaces = monitoredNamespaces(pm);
      const pods = namespaces ? namespaces.flatMap((ns) => bundle.podsSelectedBy(spec.selector, ns)) : bundle.podsSelectedBy(spec.selector);
      if (pods.length === 0) {
        findings.push({
          rule: this.id,
          object: ref(pm),
          message: `selector ${JSON.stringify(spec.selector)} matches no pods${namespaces ? ` in ${namespaces.join(', ')}` : ''}`,
          fix: "select the pods' labels, in the pods' namespace (or name it in spec.namespaceSelector)",
        });
        continue;
      }
      for (const ep of spec.podMetricsEndpoints ?? []) {
        if (!ep.port) continue;
        const has = pods.some((p) => {
          const names = p.ports
            ? p.ports.flatMap((cp) => (cp.name ? [cp.name] : []))
            : (OPERATOR_PORTS[`${p.object.apiVersion.split('/')[0]}/${p.object.kind}`] ?? []);
          return names.includes(ep.port!);
        });
        if (!has)
          findings.push({
            rule: this.id,
            object: ref(pm),
            message: `endpoint port "${ep.port}" is not a container port of the selected pods`,
            fix: 'name the container port, or use its name',
          });
      }
    }
    return findings;
  },
};
