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
/**
 * Label of the extra Services a canary adds (`<name>-stable`, `<name>-canary`), valued `stable` or
 * `canary`. They select the same pods as the service's own Service: a ServiceMonitor must select the
 * service's own Service only (`<key> DoesNotExist`), or it scrapes each pod two or three times.
 */
export const CANARY_ROLE_LABEL = 'b2connect.io/canary-role';

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
    for (const [cid, serviceName, role] of [
      ['StableService', this.stableService, 'stable'],
      ['CanaryService', this.canaryService, 'canary'],
    ] as const) {
      if (serviceName === name) continue;
      // The service's labels and selector, its HTTP port only, and the role label: a label-based
      // ServiceMonitor finds no metrics port here and can tell these from the service's own Service.
      new DerivedObject(this, cid, { apiVersion: 'v1', kind: 'Service', name: serviceName }, () => {
        const body = serviceBody();
        const ports = (body.spec.ports as { name?: string }[] | undefined)?.filter((p) => p.name === 'http');
        return {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {
            ...body.metadata,
            name: serviceName,
            labels: { ...(body.metadata.labels as Record<string, string>), [CANARY_ROLE_LABEL]: role },
          },
          spec: { ...body.spec, ports },
        };
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
              // With a traffic router the controller ignores maxSurge and maxUnavailable: the stable
              // ReplicaSet keeps all its pods until promotion and the canary's come on top (weight × replicas,
              // rounded up). dynamicStableScale is left off: a rollback then finds the full stable capacity
              // running instead of scaling it back up. Only the basic canary (no router) surges and keeps
              // the stable pods until the canary's are available.
              ...(Object.keys(trafficRouting).length > 0 ? { trafficRouting } : { maxSurge: '25%', maxUnavailable: 0 }),
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

/** The field manager the Argo Rollouts controller writes with (its `managedFields` entries). */
export const ROLLOUTS_FIELD_MANAGER = 'rollouts-controller';

/**
 * What Argo CD must leave to the Argo Rollouts controller in a bundle: the VirtualService whose route
 * weights it sets and the DestinationRule whose subsets it labels with pod-template hashes. Entries of
 * an Application's `ignoreDifferences`, to be used with the sync option `RespectIgnoreDifferences=true`.
 *
 * They name the controller's field manager rather than paths: a path inside a list
 * (`.spec.http[].route[].weight`) is not honoured on these custom resources, where Argo CD patches with
 * a JSON merge patch and, respecting the ignored field, keeps the whole live list (argo-cd #17694,
 * #23283). The canary Ingress the controller clones from the stable one is not in the bundle, so Argo
 * CD does not track it and needs no entry.
 */
export function rolloutManagedFields(objects: readonly KubeObject[]): Record<string, unknown>[] {
  const entries: Record<string, unknown>[] = [];
  for (const o of objects) {
    if (o.apiVersion !== ARGO_ROLLOUTS_API || o.kind !== 'Rollout') continue;
    const routing = (o.spec as { strategy?: { canary?: { trafficRouting?: Record<string, Record<string, unknown>> } } })?.strategy?.canary
      ?.trafficRouting;
    const istio = routing?.istio as { virtualService?: { name: string }; destinationRule?: { name: string } } | undefined;
    const namespace = o.metadata.namespace;
    const at = (kind: string, name: string) =>
      entries.push({
        group: 'networking.istio.io',
        kind,
        name,
        ...(namespace ? { namespace } : {}),
        managedFieldsManagers: [ROLLOUTS_FIELD_MANAGER],
      });
    if (istio?.virtualService) at('VirtualService', istio.virtualService.name);
    if (istio?.destinationRule) at('DestinationRule', istio.destinationRule.name);
  }
  return entries;
}
