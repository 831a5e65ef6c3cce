import type { Chart } from 'cdk8s';
import type { Environment } from '../config/environment';
import { resolveTunables, type EffectiveTunables } from '../config/resolve';
import type { Override } from '../config/definition';
import { resourcesFor } from '../config/sizes';
import { selectorLabels, standardLabels } from '../labels';
import { PackageNetworkPolicies } from '../blueprints/network-policies';
import { MeshPolicies } from '../blueprints/mesh-policies';
import type { LoadedPackage } from '../config/workspace';
import { HttpMetrics } from '../blueprints/observability/http-metrics';
import { ScrapeTarget } from '../blueprints/observability/metrics-monitor';
import type { BuildContext, Endpoint, PackageObservability, ResolvedEnvironment } from './kind';
import { deploymentPods } from './observability';

// What the kinds that run the platform's own images (web services, frontends) share.

/** A web service's or frontend's config in one environment. */
export interface ResolvedWorkload {
  readonly tunables: EffectiveTunables;
  /** Image reference: the environment's registry, the repository, the tag (or the package version). */
  readonly image: string;
}

interface WorkloadSpec extends Override {
  readonly name: string;
  readonly team: string;
  readonly image: { readonly repository: string; readonly tag?: string };
  readonly dependsOn: readonly string[];
  readonly overrides: Readonly<Record<string, Override>>;
}

export function resolveWorkload(pkg: LoadedPackage, spec: WorkloadSpec, env: Environment): ResolvedWorkload {
  return {
    tunables: resolveTunables(spec, env, pkg.file),
    image: `${env.images.registry}/${spec.image.repository}:${spec.image.tag ?? pkg.version}`,
  };
}

/** The blueprint props both workload kinds take from their resolved config. */
export function workloadProps(spec: WorkloadSpec, env: Environment, resolved: ResolvedWorkload) {
  const t = resolved.tunables;
  return {
    name: spec.name,
    team: spec.team,
    image: resolved.image,
    imagePullPolicy: env.images.pullPolicy,
    replicas: t.replicas,
    autoscaling: t.autoscaling,
    resources: resourcesFor(env.sizeProfile, t.size),
    preStopSeconds: t.shutdown.preStopSeconds,
    terminationGracePeriodSeconds: t.shutdown.terminationGracePeriodSeconds,
  };
}

/** In-cluster URL of a package's Service. */
export function serviceUrl(name: string, env: Environment): string {
  return `http://${name}.${env.namespace}.svc:80`;
}

/** The endpoint of a workload that serves HTTP through its Service. */
export function httpEndpoint(name: string, env: Environment): Endpoint {
  return { type: 'http', name, url: serviceUrl(name, env) };
}

/** What the package's dependencies give it, in dependsOn order. */
export function dependencyEndpoints(model: ResolvedEnvironment, dependsOn: readonly string[]): Endpoint[] {
  return dependsOn.flatMap((dep) => {
    const endpoint = model.packages.get(dep)?.endpoint;
    return endpoint ? [endpoint] : [];
  });
}

/**
 * The NetworkPolicies (and, with Istio, the AuthorizationPolicies) of a package on the network, from
 * the environment's graph: every kind on the network builds them first.
 */
export function buildNetworkPolicies(chart: Chart, ctx: BuildContext, owner: { readonly name: string; readonly team: string }): void {
  const labels = standardLabels({ name: owner.name, team: owner.team, component: 'network-policy', version: ctx.pkg.version });
  new PackageNetworkPolicies(chart, 'NetworkPolicies', { graph: ctx.model.graph, pkg: ctx.pkg.name, slot: ctx.slot, labels });
  if (ctx.env.capabilities.serviceMesh === 'istio') {
    new MeshPolicies(chart, 'Mesh', {
      graph: ctx.model.graph,
      pkg: ctx.pkg.name,
      slot: ctx.slot,
      namespace: ctx.env.namespace,
      services: [ctx.pkg.name],
      labels,
    });
  }
}

/**
 * What Prometheus scrapes and watches of a web service or frontend: its Deployment (and HPA), and
 * where its request metrics are: its Service's `metrics` port (`service`: the service's own
 * OpenTelemetry metrics, scraped through a ServiceMonitor) or the ingress controller in front of it
 * (`ingress`: nginx exports nothing itself), where the Ingress's backend is `backend` (the
 * Service `name` of `env.namespace` unless given).
 */
export function workloadObservability(
  name: string,
  env: Environment,
  resolved: ResolvedWorkload,
  requests: 'service' | 'ingress' | undefined,
  backend: { readonly service: string; readonly namespace: string } = { service: name, namespace: env.namespace },
): PackageObservability {
  return {
    workloads: [{ kind: 'Deployment', name, pods: deploymentPods(name), autoscaled: resolved.tunables.autoscaling !== undefined }],
    scrape: requests === 'service' ? ScrapeTarget.service({ selector: selectorLabels(name), port: 'metrics' }) : undefined,
    http:
      requests === 'service'
        ? HttpMetrics.openTelemetry(name, env.namespace)
        : requests === 'ingress'
          ? HttpMetrics.ingressNginx(backend.service, backend.namespace)
          : undefined,
  };
}
