import { z } from 'zod';
import { ConfigError } from '../errors';
import type { WebServiceSpec } from '../config/definition';
import { PUBLIC_INGRESS_NAME, prometheusUrl } from '../config/environment';
import { CanaryRollout, stepProblems } from '../blueprints/canary-rollout';
import { WebService } from '../blueprints/web-service';
import type { KindFeature } from './kind';
import { RUNTIMES } from './runtime';

/** A duration Argo Rollouts reads (`30s`, `5m`, `1h`). */
const duration = z.string().regex(/^[1-9][0-9]*(s|m|h)$/, 'must be a duration such as 30s, 5m or 1h');

/** Seconds of a duration such as 30s, 5m or 1h. */
export function durationSeconds(d: string): number {
  const n = Number(d.slice(0, -1));
  return n * { s: 1, m: 60, h: 3600 }[d.slice(-1) as 's' | 'm' | 'h'];
}

export const CanaryStepSchema = z.strictObject({
  /** Percent of the traffic the new version gets at this step, 1..99. */
  weight: z.int(),
  /** Bake time at this weight before the step's analysis starts. */
  pause: duration,
});

export const CanaryAnalysisSchema = z
  .strictObject({
    /** Largest share of 5xx responses of the canary that passes, 0..1. @default 0.01 */
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    /** The canary's latency at a percentile: `{ percentile: 99, maxMs: 300 }`. No default: it is the service's own. */
    latency: z.strictObject({
      /** @default 99 */
      percentile: z.union([z.literal(95), z.literal(99)]).default(99),
      /** Largest latency at that percentile that passes, in milliseconds. */
      maxMs: z.int().min(1).max(60000),
    }),
    /** Fewer canary requests than this in a measurement's window make it inconclusive (the rollout pauses). @default 50 */
    minRequests: z.int().min(1).default(50),
    /** Time between measurements, and the rate window of the queries; at least 1m (two scrapes at 30s). @default '1m' */
    interval: duration.default('1m').refine((d) => durationSeconds(d) >= 60, 'must be at least 1m: the rate window needs two scrapes'),
    /** Measurements per step. @default 5 */
    count: z.int().min(1).max(60).default(5),
    /** Failed measurements tolerated per step; one more aborts and rolls back. @default 1 */
    failureLimit: z.int().min(0).default(1),
    /** Inconclusive measurements tolerated per step; one more pauses the rollout for a person. @default 0 */
    inconclusiveLimit: z.int().min(0).default(0),
  })
  .superRefine((a, ctx) => {
    if (a.failureLimit >= a.count)
      ctx.addIssue({
        code: 'custom',
        path: ['failureLimit'],
        message: `${a.failureLimit} must be below count (${a.count}): the analysis could never fail`,
      });
  });

/** The steps a canary takes unless it says otherwise: 10%, 25%, 50%, each baked 5 minutes. */
export const DEFAULT_CANARY_STEPS = [
  { weight: 10, pause: '5m' },
  { weight: 25, pause: '5m' },
  { weight: 50, pause: '5m' },
] as const;

const CanarySchema = z.strictObject({
  strategy: z.literal('canary'),
  /** Traffic shares, rising; after the last one the new version gets everything. @default DEFAULT_CANARY_STEPS */
  steps: z
    .array(CanaryStepSchema)
    .default(DEFAULT_CANARY_STEPS.map((s) => ({ ...s })))
    .superRefine((steps, ctx) => {
      for (const p of stepProblems(steps)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    }),
  /** Error rate and latency of the canary, measured after each step's pause. */
  analysis: CanaryAnalysisSchema,
  /** Refuse an environment without Argo Rollouts or prometheus-operator instead of rolling there. @default false */
  required: z.boolean().default(false),
});

const RollingSchema = z.strictObject({ strategy: z.literal('rolling') });

/** How a new version of a web service reaches its users. */
export const DeliverySchema = z.discriminatedUnion('strategy', [RollingSchema, CanarySchema]);
export type DeliveryChoice = z.output<typeof DeliverySchema>;
export type DeliveryInput = z.input<typeof DeliverySchema>;
export type CanaryOptions = Omit<z.input<typeof CanarySchema>, 'strategy'>;

/**
 * The delivery choices of a web service (`delivery` in its definition).
 *
 * ```ts
 * delivery: Delivery.canary({ steps: [{ weight: 10, pause: '5m' }, { weight: 50, pause: '10m' }], analysis: { latency: { maxMs: 300 } } })
 * ```
 */
export class Delivery {
  /** The blueprint's rolling update (25% surge, 25% unavailable): what a service without `delivery` gets. */
  static rolling(): DeliveryInput {
    return { strategy: 'rolling' };
  }

  /**
   * A canary with Argo Rollouts: traffic shifts by the steps, each followed by its bake time and a metric
   * analysis on Prometheus; a failed analysis rolls back, an inconclusive one (too little traffic) pauses.
   * Where the environment has no Argo Rollouts, or no prometheus-operator to give the analysis its metrics,
   * the service rolls, and the build says so, unless `required`.
   */
  static canary(options: CanaryOptions): DeliveryInput {
    return { strategy: 'canary', ...options };
  }
}

/**
 * The `delivery` of a web service. A canary replaces the Deployment by an Argo Rollouts `Rollout` with the
 * same pod template (CanaryRollout); the traffic routers come from the environment: Istio where the mesh
 * is Istio, the NGINX ingress for a public service (both for a public service on Istio), and pod counts
 * otherwise (the build says so).
 */
export const deliveryFeature: KindFeature<DeliveryChoice> = {
  field: 'delivery',
  kinds: ['web-service'],
  schema: DeliverySchema,
  build(chart, ctx) {
    const { pkg, env, value } = ctx;
    if (value.strategy !== 'canary') return;
    const spec = ctx.spec as WebServiceSpec;
    // What the canary needs of the environment: the controller, and the metrics path of its analysis
    // (prometheus-operator, whose monitors scrape the pods). Without metrics every measurement is
    // Inconclusive and every release would stop at its first step, so the service rolls instead.
    const missing = !env.capabilities.argoRollouts
      ? { capability: 'argoRollouts', install: 'install Argo Rollouts there', why: '' }
      : !env.capabilities.prometheusOperator
        ? {
            capability: 'prometheusOperator',
            install: 'install prometheus-operator there',
            why: ': without monitors the analysis has no metrics of the pods and would pause every release at its first step',
          }
        : undefined;
    if (missing) {
      if (value.required) {
        throw new ConfigError(pkg.file, [
          {
            path: 'delivery.required',
            message: `[${env.name}] the canary is required, but environments/${env.name}.yaml has capabilities.${missing.capability}: false${missing.why}; ${missing.install} or drop required to roll instead`,
          },
        ]);
      }
      ctx.note?.(`canary delivery: rolling update instead (capabilities.${missing.capability} is false)`);
      return;
    }
    const service = chart.node.findAll().find((c): c is WebService => c instanceof WebService);
    if (!service)
      throw new ConfigError(pkg.file, [
        {
          path: 'delivery',
          message: `[${env.name}] a canary needs the web service's Deployment to replace, and the package builds no WebService; drop delivery or build the package with defineWebService`,
        },
      ]);
    const istio = env.capabilities.serviceMesh === 'istio';
    const isPublic = ctx.model.packages.get(pkg.name)?.network?.public ?? false;
    // With blue-green slots the public Ingress is in the platform namespace and routes through
    // ExternalName Services, not in the Rollout's (the slot's) namespace where an NGINX canary
    // Ingress would have to clone it: there the canary splits traffic through Istio only.
    const nginx = isPublic && !env.slots;
    if (!istio && !nginx)
      ctx.note?.(
        env.slots && isPublic
          ? 'canary delivery: traffic follows pod counts (no Istio; with slots the public Ingress is not in the slot namespace)'
          : 'canary delivery: traffic follows pod counts (no Istio, not behind the public ingress)',
      );
    new CanaryRollout(chart, 'Canary', {
      service,
      namespace: env.namespace,
      steps: value.steps,
      analysis: {
        maxErrorRate: value.analysis.maxErrorRate,
        latencyPercentile: value.analysis.latency.percentile,
        maxLatencyMs: value.analysis.latency.maxMs,
        minRequests: value.analysis.minRequests,
        interval: value.analysis.interval,
        count: value.analysis.count,
        failureLimit: value.analysis.failureLimit,
        inconclusiveLimit: value.analysis.inconclusiveLimit,
      },
      routing: { istio, ...(nginx ? { nginx: { stableIngress: PUBLIC_INGRESS_NAME } } : {}) },
      prometheusUrl: prometheusUrl(env),
      metrics: RUNTIMES[spec.runtime].httpMetrics,
      flux: env.delivery.gitops?.engine === 'flux',
    });
  },
};
