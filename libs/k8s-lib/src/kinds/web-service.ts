import type { Chart } from 'cdk8s';
import { ConfigError, type ConfigIssue } from '../errors';
import { WebServiceSpecSchema, type WebServiceSpec } from '../config/definition';
import type { Environment } from '../config/environment';
import { CONFIG_NAME_ANNOTATION, contentName, selectorLabels, standardLabels } from '../labels';
import { WebService } from '../blueprints/web-service';
import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
} from '../imports/externalsecret-external-secrets.io';
import type { LoadedPackage } from '../config/workspace';
import type { PackageKind } from './kind';
import { RUNTIMES } from './runtime';
import { buildNetworkPolicies, dependencyEndpoints, httpEndpoint, resolveWorkload, workloadProps, type ResolvedWorkload } from './workload';
import { workloadObservability } from './workload';

/** An HTTP service: the API gateway or a domain service (`defineWebService`). */
export const webServiceKind: PackageKind<WebServiceSpec, ResolvedWorkload> = {
  name: 'web-service',
  schema: WebServiceSpecSchema,
  namespaced: true,
  slotted: true,
  resolve: (pkg, spec, env) => resolveWorkload(pkg, spec, env),
  network: ({ pkg, spec }, net) => {
    net.pods(pkg.name, selectorLabels(pkg.name), pkg.name);
    return { served: [spec.ports.http!], public: spec.component === 'api-gateway', metricsPort: spec.ports.metrics };
  },
  endpoint: ({ pkg, env }) => httpEndpoint(pkg.name, env),
  observability: ({ pkg, spec, env, resolved }) =>
    workloadObservability(pkg.name, env, resolved, spec.ports.metrics ? 'service' : undefined),
  wave: () => 3,
  build(chart, ctx) {
    const { pkg, spec, env, resolved } = ctx;
    buildNetworkPolicies(chart, ctx, spec);
    const runtime = RUNTIMES[spec.runtime];
    const platform = runtime.platform(env, spec.ports.http!);
    const fromDependencies: Record<string, { secret: string; key: string }> = {};
    for (const endpoint of dependencyEndpoints(ctx.model, spec.dependsOn)) {
      const given = runtime.dependency(endpoint);
      Object.assign(platform, given.settings);
      Object.assign(fromDependencies, given.secretEnv);
    }
    Object.assign(platform, runtime.featureFlags(env));
    const secretEnv = { ...fromDependencies, ...ownSecrets(chart, pkg, spec, env) };
    new WebService(chart, 'WebService', {
      ...workloadProps(spec, env, resolved),
      component: spec.component,
      ports: spec.ports,
      health: spec.health,
      config: mergeSettings(pkg.file, platform, resolved.tunables.settings, secretEnv),
      secretEnv,
    });
  },
};

/**
 * A service's own secret settings: one ExternalSecret `<name>-secrets-<hash>` creating the Secret of
 * that name, and references to its keys. The hash is of what it reads (store, keys, properties): a
 * changed mapping is a new Secret and a rollout; a value rotated in the backend keeps the name.
 */
function ownSecrets(
  chart: Chart,
  pkg: LoadedPackage,
  spec: WebServiceSpec,
  env: Environment,
): Record<string, { secret: string; key: string }> {
  if (Object.keys(spec.secrets).length === 0) return {};
  const name = ownSecretsName(spec, env);
  const entries = Object.entries(spec.secrets).sort(([a], [b]) => (a < b ? -1 : 1));
  new ExternalSecret(chart, 'Secrets', {
    metadata: {
      name,
      labels: standardLabels({ name: spec.name, team: spec.team, component: spec.component, version: pkg.version }),
      annotations: { [CONFIG_NAME_ANNOTATION]: `${spec.name}-secrets` },
    },
    spec: {
      refreshInterval: env.secrets.refreshInterval,
      secretStoreRef: { kind: ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: env.secrets.store },
      target: { name, creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER },
      data: entries.map(([variable, ref]) => ({ secretKey: variable, remoteRef: { key: ref.remoteKey, property: ref.property } })),
    },
  });
  return ownSecretEnv(spec, env);
}

/** The Secret the ExternalSecret of a service's own `secrets` creates, named by what it reads. */
const ownSecretsName = (spec: WebServiceSpec, env: Environment) =>
  contentName(`${spec.name}-secrets`, { store: env.secrets.store, secrets: spec.secrets });

/** A service's own secret settings, as references to the keys of its Secret (for its other pods too). */
export function ownSecretEnv(spec: WebServiceSpec, env: Environment): Record<string, { secret: string; key: string }> {
  return Object.fromEntries(
    Object.keys(spec.secrets)
      .sort()
      .map((variable) => [variable, { secret: ownSecretsName(spec, env), key: variable }]),
  );
}

/**
 * The platform's settings and the package's own. A package setting may not replace a platform setting, nor
 * shadow a secret the container gets (a declared store's credentials): one variable, two values.
 */
function mergeSettings(
  file: string,
  platform: Record<string, string>,
  own: Readonly<Record<string, string>>,
  secretEnv: Readonly<Record<string, { secret: string; key: string }>>,
): Record<string, string> {
  const secrets = new Map(Object.keys(secretEnv).map((name) => [name.toLowerCase(), name]));
  const clashes: ConfigIssue[] = Object.keys(own).flatMap((key) => {
    if (key in platform) {
      return [{ path: `settings.${key}`, message: 'is set by the platform (environment globals or dependsOn); remove it here' }];
    }
    const secret = secrets.get(key.toLowerCase());
    if (secret) {
      const from = secretEnv[secret]!;
      return [
        {
          path: `settings.${key}`,
          message: `shadows the secret ${secret} the container gets from Secret ${from.secret} (key ${from.key}); remove the setting`,
        },
      ];
    }
    return [];
  });
  if (clashes.length > 0) throw new ConfigError(file, clashes);
  return { ...platform, ...own };
}
