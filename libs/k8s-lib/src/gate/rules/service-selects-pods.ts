import { ref, type Finding, type Rule } from '../types';

/** A Service selects pods of the bundle, and each of its target ports is a port those pods declare. */
export const serviceSelectsPods: Rule = {
  id: 'service-selects-pods',
  why: 'a selector or port typo gives a Service without endpoints: traffic fails while every object looks healthy',
  check(bundle) {
    const findings: Finding[] = [];
    for (const svc of bundle.ofKind('Service')) {
      const spec = svc.spec as {
        selector?: Record<string, string>;
        ports?: { name?: string; targetPort?: string | number; port: number }[];
      };
      if (!spec.selector || Object.keys(spec.selector).length === 0) continue;
      // A Service selects pods of its own namespace only.
      const pods = bundle.podsSelectedBy({ matchLabels: spec.selector }, svc.metadata.namespace);
      if (pods.length === 0) {
        findings.push({
          rule: this.id,
          object: ref(svc),
          message: `selector ${JSON.stringify(spec.selector)} matches no pods of the bundle`,
          fix: "make the selector equal to the workload's pod labels (app.kubernetes.io/name and instance)",
        });
        continue;
      }
      const known = pods.filter((p) => p.ports !== undefined);
      if (known.length === 0) continue;
      for (const port of spec.ports ?? []) {
        const target = port.targetPort ?? port.port;
        const found = known.some((p) =>
          p.ports!.some((cp) => (typeof target === 'string' ? cp.name === target : cp.containerPort === target)),
        );
        if (!found) {
          findings.push({
            rule: this.id,
            object: ref(svc),
            message: `target port ${JSON.stringify(target)} of port "${port.name ?? port.port}" is not a container port of the selected pods`,
            fix: 'use a port name or number that the containers declare',
          });
        }
      }
    }
    return findings;
  },
};
