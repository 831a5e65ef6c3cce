import { monitoredNamespaces } from '../observability';
import { ref, type Finding, type LabelSelector, type Rule } from '../types';

/**
 * A ServiceMonitor selects a Service of the bundle, in the namespaces it watches (its own unless
 * `namespaceSelector` says), that has every port its endpoints name.
 */
export const serviceMonitorTarget: Rule = {
  id: 'service-monitor-target',
  why: 'a ServiceMonitor that selects nothing, or names a missing port, silently scrapes nothing',
  check(bundle) {
    const findings: Finding[] = [];
    for (const sm of bundle.ofKind('ServiceMonitor')) {
      const spec = sm.spec as { selector?: LabelSelector; endpoints?: { port?: string }[] };
      // In the namespaces it watches: a Service of the same labels in another namespace (the other blue-green slot) is not its.
      const namespaces = monitoredNamespaces(sm);
      const services = bundle
        .selectedBy('Service', spec.selector)
        .filter((s) => namespaces === undefined || s.metadata.namespace === undefined || namespaces.includes(s.metadata.namespace));
      if (services.length === 0) {
        findings.push({
          rule: this.id,
          object: ref(sm),
          message: `selector ${JSON.stringify(spec.selector)} matches no Service${namespaces ? ` in ${namespaces.join(', ')}` : ''}`,
          fix: "select the Service's labels, in the Service's namespace (or name it in spec.namespaceSelector)",
        });
        continue;
      }
      for (const ep of spec.endpoints ?? []) {
        if (!ep.port) continue;
        const has = services.some((s) => ((s.spec as { ports?: { name?: string }[] }).ports ?? []).some((p) => p.name === ep.port));
        if (!has)
          findings.push({
            rule: this.id,
            object: ref(sm),
            message: `endpoint port "${ep.port}" is not a port of the selected Service`,
            fix: 'name the Service port, or use its name',
          });
      }
    }
    return findings;
  },
};
