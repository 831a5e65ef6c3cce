import { ref, type Finding, type Rule } from '../types';

/** Every Ingress backend is a Service of the bundle in the Ingress's namespace, on a port that Service exposes. */
export const ingressBackends: Rule = {
  id: 'ingress-backends',
  why: 'a route to a missing Service or port answers 503 at the edge while everything inside looks healthy',
  check(bundle) {
    const findings: Finding[] = [];
    for (const ing of bundle.ofKind('Ingress')) {
      const rules =
        (
          ing.spec as {
            rules?: {
              host?: string;
              http?: { paths: { backend: { service?: { name: string; port: { number?: number; name?: string } } } }[] };
            }[];
          }
        ).rules ?? [];
      for (const rule of rules) {
        for (const path of rule.http?.paths ?? []) {
          const backend = path.backend.service;
          if (!backend) continue;
          // An Ingress routes to Services of its own namespace only.
          const svc = bundle.find('Service', backend.name, ing.metadata.namespace);
          const where = `route for ${rule.host ?? '*'}`;
          if (!svc) {
            findings.push({
              rule: this.id,
              object: ref(ing),
              message: `${where} goes to Service "${backend.name}", which is not in the bundle${ing.metadata.namespace ? ` in ${ing.metadata.namespace}` : ''}`,
              fix: 'route to a Service of the bundle',
            });
            continue;
          }
          const ports = (svc.spec as { ports?: { name?: string; port: number }[] }).ports ?? [];
          const ok = ports.some((p) => (backend.port.number !== undefined ? p.port === backend.port.number : p.name === backend.port.name));
          if (!ok) {
            findings.push({
              rule: this.id,
              object: ref(ing),
              message: `${where} uses port ${backend.port.number ?? backend.port.name} of Service "${backend.name}", which exposes ${ports.map((p) => p.port).join(', ')}`,
              fix: 'use a port the Service exposes',
            });
          }
        }
      }
    }
    return findings;
  },
};
