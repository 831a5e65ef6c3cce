import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import type { KubeObject } from '../kube-object';
import { CANARY_HASH_ARG, canaryMetrics, canaryQueryProblems, type HttpServerMetrics } from './canary-analysis';
import type { WebService } from './web-service';

/** API version of the Argo Rollouts objects. */
export const ARGO_ROLLOUTS_API = 'argoproj.io/v1alpha1';
/** The named HTTP route of the VirtualService whose weights the controller sets. */
export const CANARY_ROUTE = 'primary';
/** Subsets of the DestinationRule: the controller adds each ReplicaSet's pod-template hash to their labels. */
export const CANARY_SUBSETS = { stable: 'stable', canary: 'canary' } as const;

/** One step of a canary: the share of traffic the new version gets, then how long it runs before its analysis. */
export interface CanaryStepProps {
  /** Percent of traffic to the canary, 1..99 (100 is the promotion after the last step). */
  readonly weight: number;
  /** Bake time at this weight before the analysis starts, a duration such as 5m. */
  readonly pause: string;
}

export interface CanaryAnalysisSettings {
  /** Largest share of 5xx responses that passes, 0..1. */
  readonly maxErrorRate: number;
  /** Latency percentile checked (95 or 99). */
  readonly latencyPercentile: number;
  /** Largest latency at that percentile that passes, in milliseconds. */
  readonly maxLatencyMs: number;
  /** Fewer requests than this in a measurement's window make it inconclusive. */
  readonly minRequests: number;
  /** Time between measurements, and the rate window. */
  readonly interval: string;
  /** Measurements per step. */
  readonly count: number;
  /** Failed measurements tolerated per step; one more aborts the rollout. */
  readonly failureLimit: number;
  /** Inconclusive measurements tolerated per step; one more pauses the rollout. */
  readonly inconclusiveLimit: number;
}

/** Where the controller shifts traffic. No router: the weight is approximated by pod counts. */
export interface CanaryRouting {
  /** Istio: the VirtualService route `primary` between DestinationRule subsets. */
  readonly istio?: boolean;
  /** NGINX ingress: the controller clones this Ingress (whose backend is the stable Service) as the canary one. */
  readonly nginx?: { readonly stableIngress: string };
}

export interface CanaryRolloutProps {
  /** The web service whose Deployment the Rollout replaces: same pod template, Services, HPA and PDB. */
  readonly service: WebService;
  /** Namespace of the service (fully qualified hosts, Prometheus label). */
  readonly namespace: string;
  readonly steps: readonly CanaryStepProps[];
  readonly analysis: CanaryAnalysisSettings;
  readonly routing: CanaryRouting;
  /** Prometheus the analysis queries. */
  readonly prometheusUrl: string;
  /** The runtime's HTTP server metrics. */
  readonly metrics: HttpServerMetrics;
  /**
   * Flux applies the bundle: the objects the controller edits (VirtualService weights, DestinationRule
   * subsets) are created by Flux once and then left to the controller. @default false
   */
  readonly flux?: boolean;
}

/** A Kubernetes object whose body is computed at synthesis from another object. */
class DerivedObject extends ApiObject {
  constructor(
    scope: Construct,
    id: string,
    props: { apiVersion: string; kind: string; name: string },
    private readonly derive: () => Record<string, unknown>,
  ) {
    super(scope, id, { apiVersion: props.apiVersion, kind: props.kind, metadata: { name: props.name } });
  }

  override toJson(): Record<string, unknown> {
    return sortKeys(this.derive()) as Record<string, unknown>;
  }
}

/** Object keys in order at every level, as cdk8s writes its objects; list items keep their order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortKeys(v)]),
  );
}

/**
 * Canary delivery of a web service with Argo Rollouts: a self-contained `Rollout` (the Deployment's pod
 * template inline, never a `workloadRef`, and no Deployment left) with percentage steps, each followed
 * by a bake time and a metric analysis (`AnalysisTemplate` on Prometheus); canary and stable Services;
 * the HPA scales the Rollout. Traffic goes through Istio (VirtualService route `primary` between the
 * DestinationRule subsets `stable` and `canary`) or the NGINX ingress (the controller clones the public
 * Ingress), or, with neither, by pod counts.
 */
export class CanaryRollout extends Construct {
  public readonly rollout: ApiObject;
  public readonly stableService: string;
  public readonly canaryService: string;
  public readonly analysisTemplate: ApiObject;
  public readonly virtualService?: ApiObject;

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    super(scope, id);
    const svc = props.service;
    const name = svc.name;
    const problems = stepProblems(props.steps);
    if (problems.length > 0)
      throw new Error(
        `CanaryRollout ${name}: ${problems.map((p) => `steps${p.path.map((k) => `.${k}`).join('')}: ${p.message}`).join('; ')}`,
      );
    const deployment = ApiObject.of(svc.deployment);
    // The Rollout replaces the Deployment: the Deployment construct leaves the tree, the Rollout reads its
    // synthesized body (everything the blueprint and other features put on it) when the chart synthesizes.
    svc.node.tryRemoveChild(svc.deployment.node.id);

    // NGINX routes the stable Service the public Ingress names (the service's own); otherwise the
    // service's own Service keeps selecting every pod and two more Services select each version.
    this.stableService = props.routing.nginx ? name : `${name}-stable`;
    this.canaryService = `${name}-canary`;
    const serviceBody = () => ApiObject.of(svc.service).toJson() as { metadata: KubeObject['metadata']; spec: Record<string, unknown> };
    for (const [cid, serviceName] of [
      ['StableService', this.stableService],
      ['CanaryService', this.canaryService],
    ] as const) {
      if (serviceName === name) continue;
      new DerivedObject(this, cid, { apiVersion: 'v1', kind: 'Service', name: serviceName }, () => {
        const body = serviceBody();
        return { apiVersion: 'v1', kind: 'Service', metadata: { ...body.metadata, name: serviceName }, spec: body.spec };
      });
    }

    const fqdn = (service: string) => `${service}.${props.namespace}.svc.cluster.local`;
    const host = fqdn(name);
    const httpPort = 80;
    // Istio splits between subsets of the service's own host, whose Service keeps selecting every pod.
    // Beside NGINX that Service is the stable one, which the controller narrows to the stable pods:
    // Istio then splits between the stable and canary Services (host-level) instead.
    const bySubset = !props.routing.nginx;
    const destination = (version: 'stable' | 'canary') =>
      bySubset
        ? { host, subset: CANARY_SUBSETS[version], port: { number: httpPort } }
        : { host: fqdn(version === 'stable' ? this.stableService : this.canaryService), port: { number: httpPort } };
    const flux = props.flux ? { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } : undefined;
    if (props.routing.istio) {
      this.virtualService = new ApiObject(this, 'VirtualService', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name, labels: { ...svc.labels }, ...(flux ? { annotations: flux } : {}) },
        spec: {
          hosts: [host],
          http: [
            {
              name: CANARY_ROUTE,
              // Only the HTTP port: the metrics port stays out of the split.
              match: [{ port: httpPort }],
              route: [
                { destination: destination('stable'), weight: 100 },
                { destination: destination('canary'), weight: 0 },
              ],
            },
          ],
        },
      });
    }
    if (props.routing.istio && bySubset) {
      const subsets = [CANARY_SUBSETS.canary, CANARY_SUBSETS.stable].map((subset) => ({
        labels: sortKeys(svc.selector) as Record<string, string>,
        name: subset,
      }));
      // The mesh's DestinationRule of the service (mutual TLS, outlier detection) gets the subsets: two
      // rules for one host would not merge.
      const meshRule = scope.node
        .findAll()
        .find((c): c is ApiObject => c instanceof ApiObject && c.kind === 'DestinationRule' && c.name === name);
      if (meshRule) {
        meshRule.addJsonPatch(JsonPatch.add('/spec/subsets', subsets));
        if (flux) meshRule.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/ssa', 'IfNotPresent');
      } else {
        new ApiObject(this, 'DestinationRule', {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name, labels: { ...svc.labels }, ...(flux ? { annotations: flux } : {}) },
          spec: { host, subsets },
        });
      }
    }

    const a = props.analysis;
    const metrics = canaryMetrics({
      name,
      namespace: props.namespace,
      metrics: props.metrics,
      maxErrorRate: a.maxErrorRate,
      latencyPercentile: a.latencyPercentile,
      maxLatencyMs: a.maxLatencyMs,
      minRequests: a.minRequests,
      interval: a.interval,
    });
    const unparsed = canaryQueryProblems(`CanaryRollout ${name}`, metrics);
    if (unparsed.length > 0) throw new Error(unparsed.join('\n'));
    const templateName = `${name}-canary`;
    this.analysisTemplate = new ApiObject(this, 'AnalysisTemplate', {
      apiVersion: ARGO_ROLLOUTS_API,
      kind: 'AnalysisTemplate',
      metadata: { name: templateName, labels: { ...svc.labels } },
      spec: {
        args: [{ name: CANARY_HASH_ARG }],
        metrics: metrics.map((m) => ({
          name: m.name,
          interval: a.interval,
          count: a.count,
          failureLimit: a.failureLimit,
          inconclusiveLimit: a.inconclusiveLimit,
          successCondition: m.successCondition,
          failureCondition: m.failureCondition,
          provider: { prometheus: { address: props.prometheusUrl, query: m.query, timeout: 30 } },
        })),
      },
    });

    const steps = props.steps.flatMap((s) => [
      { setWeight: s.weight },
      { pause: { duration: s.pause } },
      {
        analysis: {
          templates: [{ templateName }],
          args: [{ name: CANARY_HASH_ARG, valueFrom: { podTemplateHashValue: 'Latest' } }],
        },
      },
    ]);
    const trafficRouting = {
      ...(props.routing.istio
        ? {
            istio: {
              virtualService: { name, routes: [CANARY_ROUTE] },
              ...(bySubset
                ? { destinationRule: { name, canarySubsetName: CANARY_SUBSETS.canary, stableSubsetName: CANARY_SUBSETS.stable } }
                : {}),
            },
          }
        : {}),
      ...(props.routing.nginx ? { nginx: { stableIngress: props.routing.nginx.stableIngress } } : {}),
    };
    this.rollout = new DerivedObject(this, 'Rollout', { apiVersion: ARGO_ROLLOUTS_API, kind: 'Rollout', name }, () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Deployment's synthesized body, read field by field
      const d = deployment.toJson() as any;
      const template = structuredClone(d.spec.template);
      // Rollout pods carry `rollouts-pod-template-hash`, not `pod-template-hash`: spread each version among itself.
      for (const c of template.spec.topologySpreadConstraints ?? []) {
        if (c.matchLabelKeys)
          c.matchLabelKeys = c.matchLabelKeys.map((k: string) => (k === 'pod-template-hash' ? 'rollouts-pod-template-hash' : k));
      }
      return {
        apiVersion: ARGO_ROLLOUTS_API,
        kind: 'Rollout',
        metadata: d.metadata,
        spec: {
          // Absent with an HPA: the autoscaler owns the count.
          ...(d.spec.replicas !== undefined ? { replicas: d.spec.replicas } : {}),
          revisionHistoryLimit: d.spec.revisionHistoryLimit,
          minReadySeconds: d.spec.minReadySeconds,
          progressDeadlineSeconds: d.spec.progressDeadlineSeconds,
          // A canary that never becomes ready is rolled back, not left half-deployed.
          progressDeadlineAbort: true,
          selector: d.spec.selector,
          template,
          strategy: {
            canary: {
              stableService: this.stableService,
              canaryService: this.canaryService,
              // Never below the stable capacity while the canary starts.
              maxSurge: '25%',
              maxUnavailable: 0,
              ...(Object.keys(trafficRouting).length > 0 ? { trafficRouting } : {}),
              steps,
            },
          },
        },
      };
    });

    if (svc.hpa) {
      ApiObject.of(svc.hpa).addJsonPatch(
        JsonPatch.replace('/spec/scaleTargetRef', { apiVersion: ARGO_ROLLOUTS_API, kind: 'Rollout', name }),
      );
    }
  }
}

/** What is wrong with a list of canary steps: weights rising strictly between 1 and 99. */
export function stepProblems(steps: readonly CanaryStepProps[]): { readonly path: (string | number)[]; readonly message: string }[] {
  if (steps.length === 0) return [{ path: [], message: 'needs at least one step' }];
  return steps.flatMap((s, i) => {
    if (!Number.isInteger(s.weight) || s.weight < 1 || s.weight > 99)
      return [
        { path: [i, 'weight'], message: `${s.weight} must be a whole percent between 1 and 99 (the promotion after the last step is 100)` },
      ];
    const before = steps[i - 1];
    if (before && s.weight <= before.weight)
      return [{ path: [i, 'weight'], message: `${s.weight} must be above the previous step's ${before.weight}` }];
    return [];
  });
}

/**
 * What Argo CD must leave to the Argo Rollouts controller in a bundle: the weights of the VirtualService
 * routes, the pod-template hashes it adds to the DestinationRule subsets, and the canary Ingress it
 * clones from the stable one (`<rollout>-<ingress>-canary`). Entries of an Application's
 * `ignoreDifferences`, to be used with the sync option `RespectIgnoreDifferences=true`.
 */
export function rolloutManagedFields(objects: readonly KubeObject[]): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  for (const o of objects) {
    if (o.apiVersion !== ARGO_ROLLOUTS_API || o.kind !== 'Rollout') continue;
    const routing = (o.spec as { strategy?: { canary?: { trafficRouting?: Record<string, Record<string, unknown>> } } })?.strategy?.canary
      ?.trafficRouting;
    const istio = routing?.istio as { virtualService?: { name: string }; destinationRule?: { name: string } } | undefined;
    const nginx = routing?.nginx as { stableIngress?: string } | undefined;
    const namespace = o.metadata.namespace;
    const at = (kind: string, group: string, name: string, fields: Record<string, unknown>) =>
      entries.push({ group, kind, name, ...(namespace ? { namespace } : {}), ...fields });
    if (istio?.virtualService)
      at('VirtualService', 'networking.istio.io', istio.virtualService.name, { jqPathExpressions: ['.spec.http[].route[].weight'] });
    if (istio?.destinationRule)
      at('DestinationRule', 'networking.istio.io', istio.destinationRule.name, {
        jqPathExpressions: ['.spec.subsets[].labels["rollouts-pod-template-hash"]'],
      });
    if (nginx?.stableIngress)
      at('Ingress', 'networking.k8s.io', `${o.metadata.name}-${nginx.stableIngress}-canary`, {
        jqPathExpressions: ['.metadata.annotations', '.spec'],
      });
  }
  return entries;
}
