import { promqlError } from '../promql';

// The metric analysis of a canary: what Argo Rollouts asks Prometheus at each step, and when a
// measurement passes, fails or is inconclusive. Pure data, so that the queries are tested as text.

/** The HTTP server metrics a runtime exposes (a histogram of request durations, in seconds). */
export interface HttpServerMetrics {
  /** The histogram's bucket series, for example `http_server_request_duration_seconds_bucket`. */
  readonly buckets: string;
  /** The histogram's count series: one sample per request. */
  readonly count: string;
  /** The label holding the response status code. */
  readonly statusLabel: string;
}

export interface CanaryAnalysisProps {
  /** Name of the workload: its pods are named `<name>-<pod-template-hash>-<suffix>`. */
  readonly name: string;
  readonly namespace: string;
  readonly metrics: HttpServerMetrics;
  /** Largest share of 5xx responses that passes, 0..1. */
  readonly maxErrorRate: number;
  /** Latency percentile checked, 50..99.9. */
  readonly latencyPercentile: number;
  /** Largest latency at that percentile that passes, in milliseconds. */
  readonly maxLatencyMs: number;
  /** Fewer requests than this in the window: the measurement is inconclusive, neither a pass nor a failure. */
  readonly minRequests: number;
  /** Time between measurements and the rate window of each query, a duration such as 1m. */
  readonly interval: string;
}

/** The template argument the Rollout fills with the canary's pod-template hash. */
export const CANARY_HASH_ARG = 'canary-hash';

/** One metric of the analysis: its query and the conditions Argo Rollouts evaluates on the result. */
export interface CanaryMetric {
  readonly name: string;
  readonly query: string;
  readonly successCondition: string;
  readonly failureCondition: string;
}

/**
 * The metrics of a canary analysis: error rate and latency of the canary pods only (by pod name, from
 * the canary's pod-template hash), each guarded by a minimum request count. Without enough traffic a
 * query returns no sample (`and on() (... >= min)`), so neither condition holds and the measurement is
 * Inconclusive: the Rollout pauses instead of promoting a version nobody used or aborting a healthy one.
 * A window without any 5xx still yields an error rate of 0 (`or on() vector(0)`), not an empty result.
 */
export function canaryMetrics(p: CanaryAnalysisProps): CanaryMetric[] {
  const pods = `namespace="${p.namespace}",pod=~"${p.name}-{{args.${CANARY_HASH_ARG}}}-.+"`;
  const window = `[${p.interval}]`;
  const requests = `sum(increase(${p.metrics.count}{${pods}}${window}))`;
  const enough = `and on() (${requests} >= ${p.minRequests})`;
  const errors = `(sum(rate(${p.metrics.count}{${pods},${p.metrics.statusLabel}=~"5.."}${window})) or on() vector(0))`;
  const all = `sum(rate(${p.metrics.count}{${pods}}${window}))`;
  const quantile = p.latencyPercentile / 100;
  const latency = `histogram_quantile(${quantile}, sum by (le) (rate(${p.metrics.buckets}{${pods}}${window})))`;
  const seconds = p.maxLatencyMs / 1000;
  const guarded = (threshold: number) => ({
    successCondition: `len(result) > 0 && result[0] <= ${threshold}`,
    failureCondition: `len(result) > 0 && result[0] > ${threshold}`,
  });
  return [
    { name: 'error-rate', query: `(${errors} / ${all}) ${enough}`, ...guarded(p.maxErrorRate) },
    { name: `latency-p${String(p.latencyPercentile).replace('.', '')}`, query: `${latency} ${enough}`, ...guarded(seconds) },
  ];
}

/** The parse errors of the metrics' queries, placeholders substituted; empty when every query parses. */
export function canaryQueryProblems(where: string, metrics: readonly CanaryMetric[]): string[] {
  return metrics.flatMap((m) => {
    const problem = promqlError(`${where}: metric ${m.name}`, m.query);
    return problem ? [problem] : [];
  });
}
