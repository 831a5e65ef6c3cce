import { App, Chart } from 'cdk8s';
import { ConfigError, type ConfigIssue } from '../errors';
import type { Environment } from '../config/environment';
import { resolveTunables } from '../config/resolve';
import { Frontend } from '../blueprints/frontend';
import { resourcesFor } from '../blueprints/sizes';
import { WebService } from '../blueprints/web-service';
import type { KubeObject } from './validate';
import type { LoadedPackage, Workspace } from './workspace';

/** kebab-case package name -> PascalCase, as in `Services__ApiGateway`. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** In-cluster URL of a package's Service. */
export function serviceUrl(name: string, env: Environment): string {
  return `http://${name}.${env.namespace}.svc:80`;
}

/**
 * Settings every service gets from the platform, before its own: runtime environment, port, health
 * checks, logging, feature flags, and one `Services__<Name>` URL per declared dependency.
 */
export function platformSettings(pkg: LoadedPackage, env: Environment, httpPort: number): Record<string, string> {
  const settings: Record<string, string> = {
    ASPNETCORE_ENVIRONMENT: env.runtimeEnvironment,
    ASPNETCORE_HTTP_PORTS: String(httpPort),
    HealthCheck__Enabled: 'true',
    Logging__LogLevel__Default: env.logging.level,
    Logging__Console__FormatterName: env.logging.format === 'json' ? 'json' : 'simple',
  };
  for (const dep of pkg.definition.spec.dependsOn) settings[`Services__${pascalCase(dep)}`] = serviceUrl(dep, env);
  for (const [flag, on] of Object.entries(env.featureFlags)) settings[`FeatureManagement__${flag}`] = String(on);
  return settings;
}

function mergeSettings(file: string, platform: Record<string, string>, own: Readonly<Record<string, string>>): Record<string, string> {
  const clashes: ConfigIssue[] = Object.keys(own)
    .filter((key) => key in platform)
    .map((key) => ({ path: `settings.${key}`, message: 'is set by the platform (environment globals or dependsOn); remove it here' }));
  if (clashes.length > 0) throw new ConfigError(file, clashes);
  return { ...platform, ...own };
}

/** Adds a package's constructs for one environment to `chart`. */
export function buildPackage(chart: Chart, pkg: LoadedPackage, env: Environment): void {
  const { spec } = pkg.definition;
  const t = resolveTunables(spec, env, pkg.file);
  const common = {
    name: spec.name,
    team: spec.team,
    image: `${env.images.registry}/${spec.image.repository}:${spec.image.tag ?? pkg.version}`,
    imagePullPolicy: env.images.pullPolicy,
    replicas: t.replicas,
    autoscaling: t.autoscaling,
    resources: resourcesFor(env.sizeProfile, t.size),
    preStopSeconds: t.shutdown.preStopSeconds,
    terminationGracePeriodSeconds: t.shutdown.terminationGracePeriodSeconds,
  };
  try {
    if (pkg.definition.kind === 'web-service') {
      const ws = pkg.definition.spec;
      new WebService(chart, 'WebService', {
        ...common,
        component: ws.component,
        ports: ws.ports,
        health: ws.health,
        config: mergeSettings(pkg.file, platformSettings(pkg, env, ws.ports.http!), t.settings),
      });
    } else {
      new Frontend(chart, 'Frontend', { ...common, spa: pkg.definition.spec.spa, config: { ...t.settings } });
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(pkg.file, [{ path: '', message: `[${env.name}] ${(e as Error).message}` }]);
  }
}

/** Kind order inside a package bundle: what others reference comes first. */
const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'Service',
  'Deployment',
  'StatefulSet',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
];

export function compareObjects(a: KubeObject, b: KubeObject): number {
  const rank = (k: string) => (KIND_ORDER.includes(k) ? KIND_ORDER.indexOf(k) : KIND_ORDER.length);
  return rank(a.kind) - rank(b.kind) || cmp(a.kind, b.kind) || cmp(a.metadata.name, b.metadata.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Synthesizes the given packages for one environment: one cdk8s App, one Chart per package, objects
 * in a deterministic order. A package that fails is reported in `errors`; the others still synthesize.
 */
export function synthesizeEnvironment(
  ws: Workspace,
  env: Environment,
  packageNames: readonly string[],
): { objects: Map<string, KubeObject[]>; errors: ConfigError[] } {
  const app = new App({ outdir: '/nonexistent' });
  const objects = new Map<string, KubeObject[]>();
  const errors: ConfigError[] = [];
  for (const name of packageNames) {
    const pkg = ws.packages.get(name);
    if (!pkg) {
      errors.push(new ConfigError(name, [{ path: '', message: `no package "${name}" in this workspace` }]));
      continue;
    }
    try {
      const chart = new Chart(app, pascalCase(name), { namespace: env.namespace, disableResourceNameHashes: true });
      buildPackage(chart, pkg, env);
      objects.set(name, (chart.toJson() as KubeObject[]).sort(compareObjects));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      errors.push(e);
    }
  }
  return { objects, errors };
}
