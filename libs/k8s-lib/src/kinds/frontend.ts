import { ConfigError } from '../errors';
import { slotServiceAlias } from '../config/environment';
import { FrontendSpecSchema, type FrontendSpec } from '../config/definition';
import { selectorLabels } from '../labels';
import { Frontend, NGINX_PORT } from '../blueprints/frontend';
import type { PackageKind } from './kind';
import { buildNetworkPolicies, dependencyEndpoints, httpEndpoint, resolveWorkload, workloadProps, type ResolvedWorkload } from './workload';
import { workloadObservability } from './workload';

/** Static content served by nginx behind the ingress (`defineFrontend`). */
export const frontendKind: PackageKind<FrontendSpec, ResolvedWorkload> = {
  name: 'frontend',
  schema: FrontendSpecSchema,
  namespaced: true,
  slotted: true,
  resolve: (pkg, spec, env) => resolveWorkload(pkg, spec, env),
  network: ({ pkg }, net) => {
    net.pods(pkg.name, selectorLabels(pkg.name), pkg.name);
    return { served: [NGINX_PORT], public: true };
  },
  endpoint: ({ pkg, env }) => httpEndpoint(pkg.name, env),
  // Behind the ingress (every frontend is public): its requests are the ingress controller's metrics,
  // labelled with the Service the Ingress routes to. In blue-green slots that is the slot's
  // ExternalName alias in the environment's namespace (infra/ingress), the same whichever slot is live.
  observability: ({ pkg, env, resolved, slot, model }) =>
    workloadObservability(
      pkg.name,
      env,
      resolved,
      'ingress',
      slot ? { service: slotServiceAlias(pkg.name, slot), namespace: model.env.namespace } : undefined,
    ),
  wave: () => 3,
  build(chart, ctx) {
    const { pkg, spec, env, resolved } = ctx;
    buildNetworkPolicies(chart, ctx, spec);
    if (dependencyEndpoints(ctx.model, spec.dependsOn).some((e) => e.type === 'store')) {
      throw new ConfigError(pkg.file, [
        { path: 'dependsOn', message: 'a frontend serves static files and cannot use a data store; let the api-gateway do it' },
      ]);
    }
    new Frontend(chart, 'Frontend', { ...workloadProps(spec, env, resolved), spa: spec.spa, config: { ...resolved.tunables.settings } });
  },
};
