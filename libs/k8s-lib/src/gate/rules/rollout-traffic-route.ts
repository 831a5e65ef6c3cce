import { canaryRollouts, serviceOfHost } from '../rollouts';
import { matches, ref, type Finding, type Rule } from '../types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Istio objects are read field by field
type Any = any;

/**
 * The traffic router of a canary Rollout is in the bundle and splits between exactly the two versions:
 * Istio's VirtualService with each named route holding the stable and the canary destination (subsets of
 * a DestinationRule whose labels select the pods, or the two Services), the stable Ingress of NGINX with a
 * backend on the stable Service.
 */
export const rolloutTrafficRoute: Rule = {
  id: 'rollout-traffic-route',
  why: 'the controller refuses a route it cannot find or that lacks one of the two versions (the Rollout stops, or a third destination keeps traffic off the canary)',
  check(bundle) {
    const findings: Finding[] = [];
    for (const { rollout, canary, podLabels } of canaryRollouts(bundle)) {
      const add = (message: string, fix: string) => findings.push({ rule: this.id, object: ref(rollout), message, fix });
      const istio = canary.trafficRouting?.istio;
      if (istio) {
        const dr = istio.destinationRule;
        if (dr) {
          const rule = bundle.find('DestinationRule', dr.name) as Any;
          if (!rule) add(`DestinationRule "${dr.name}" is not in the bundle`, 'add the DestinationRule with a stable and a canary subset');
          else {
            for (const subset of [dr.stableSubsetName, dr.canarySubsetName]) {
              const found = (rule.spec?.subsets ?? []).find((s: Any) => s.name === subset);
              if (!found) add(`DestinationRule "${dr.name}" has no subset "${subset}"`, `add the subset ${subset} with the pod labels`);
              else if (!matches(found.labels ?? {}, podLabels))
                add(
                  `subset "${subset}" of DestinationRule "${dr.name}" does not select the Rollout's pods`,
                  "use the Rollout's pod labels",
                );
            }
          }
        }
        const services = [...(istio.virtualService ? [istio.virtualService] : []), ...(istio.virtualServices ?? [])];
        for (const vsRef of services) {
          const vs = bundle.find('VirtualService', vsRef.name) as Any;
          if (!vs) {
            add(`VirtualService "${vsRef.name}" is not in the bundle`, 'add the VirtualService or fix its name');
            continue;
          }
          const http: Any[] = vs.spec?.http ?? [];
          const names = vsRef.routes ?? (http.length === 1 ? [http[0].name] : []);
          if (names.length === 0)
            add(`VirtualService "${vsRef.name}" has several routes and the Rollout names none`, 'list the route in routes');
          for (const routeName of names) {
            const route = http.find((r) => r.name === routeName);
            if (!route) {
              add(`VirtualService "${vsRef.name}" has no HTTP route "${routeName}"`, 'name the route as the Rollout does');
              continue;
            }
            const destinations: Any[] = (route.route ?? []).map((d: Any) => d.destination ?? {});
            const key = (d: Any) => (dr ? d.subset : serviceOfHost(d.host ?? ''));
            const wanted = dr ? [dr.stableSubsetName, dr.canarySubsetName] : [canary.stableService, canary.canaryService];
            const got = destinations.map(key);
            if (destinations.length !== 2 || !wanted.every((w) => got.includes(w))) {
              add(
                `route "${routeName}" of VirtualService "${vsRef.name}" goes to ${got.map((g) => `"${g ?? '?'}"`).join(', ') || 'nothing'}, not exactly ${wanted.map((w) => `"${w}"`).join(' and ')}`,
                `give the route exactly two destinations: the stable and the canary ${dr ? 'subset' : 'Service'}`,
              );
            }
          }
        }
      }
      const stableIngress = canary.trafficRouting?.nginx?.stableIngress;
      if (stableIngress) {
        const ingress = bundle.find('Ingress', stableIngress) as Any;
        if (!ingress) add(`stable Ingress "${stableIngress}" is not in the bundle`, 'reference the public Ingress');
        else {
          const backends: string[] = (ingress.spec?.rules ?? []).flatMap((r: Any) =>
            (r.http?.paths ?? []).map((p: Any) => p.backend?.service?.name),
          );
          if (!backends.includes(canary.stableService ?? ''))
            add(
              `stable Ingress "${stableIngress}" has no backend on the stable Service "${canary.stableService}"`,
              'route the Ingress to the stable Service: the controller clones that rule for the canary',
            );
        }
      }
    }
    return findings;
  },
};
