import { ConfigError, type ConfigIssue } from '../errors';
import type { Override, Size } from './definition';
import type { Environment } from './environment';
import { mergeLayers } from './merge';
import { autoscalingRangeProblem, shutdownProblem } from '../rules';

/** Horizontal autoscaling with every field resolved. */
export interface Autoscaling {
  readonly min: number;
  readonly max: number;
  /** Target average CPU utilisation, in percent of the request. */
  readonly cpuPercent: number;
}

/** Default HPA CPU target, as in the platform document. */
export const DEFAULT_CPU_PERCENT = 70;

/** The tunables of a package in one environment, after every layer is applied. */
export interface EffectiveTunables {
  /** Fixed replica count; undefined when an HPA owns it. */
  readonly replicas?: number;
  readonly autoscaling?: Autoscaling;
  readonly size: Size;
  readonly settings: Readonly<Record<string, string>>;
  readonly shutdown: { readonly preStopSeconds: number; readonly terminationGracePeriodSeconds: number };
}

/** Blueprint defaults: the lowest layer. */
export const TUNABLE_DEFAULTS = {
  size: 'small',
  settings: {},
  shutdown: { preStopSeconds: 5, terminationGracePeriodSeconds: 30 },
} as const;

/**
 * Effective config = blueprint defaults <- environment globals <- package base <- package override for the environment.
 * Throws a ConfigError naming the package file and the field when the result is impossible.
 */
export function resolveTunables(
  spec: Override & { readonly overrides: Readonly<Record<string, Override>> },
  env: Environment,
  file: string,
): EffectiveTunables {
  const override = spec.overrides[env.name] ?? {};
  const base: Override = {
    replicas: spec.replicas,
    autoscaling: spec.autoscaling,
    size: spec.size,
    settings: spec.settings,
    shutdown: spec.shutdown,
  };
  const merged = mergeLayers<Override & { size: Size; settings: Record<string, string>; shutdown: EffectiveTunables['shutdown'] }>(
    TUNABLE_DEFAULTS,
    base,
    override,
  );
  const where = (field: string, touched: boolean) => (touched ? `overrides.${env.name}.${field}` : field);
  const issues: ConfigIssue[] = [];

  // The merged config is checked by the same rules in every environment, also where the environment
  // turns autoscaling off: what a definition says for an environment must be valid there as written,
  // not only once the environment's switch is turned on (then it would break a build nobody touched).
  let autoscaling: Autoscaling | undefined;
  if (merged.autoscaling) {
    const a = merged.autoscaling as Partial<Autoscaling>;
    const path = where('autoscaling', override.autoscaling !== undefined);
    const off = env.replicas.autoscaling ? '' : ` (checked although ${env.name} runs without autoscaling)`;
    if (a.min === undefined || a.max === undefined) {
      issues.push({ path, message: `needs both min and max in environment ${env.name}${off}` });
    } else {
      const range = autoscalingRangeProblem({ min: a.min, max: a.max });
      if (range) issues.push({ path: `${path}.min`, message: `${range} in environment ${env.name}${off}` });
      else if (env.replicas.autoscaling) {
        const cap = env.replicas.max ?? Number.POSITIVE_INFINITY;
        autoscaling = { min: Math.min(a.min, cap), max: Math.min(a.max, cap), cpuPercent: a.cpuPercent ?? DEFAULT_CPU_PERCENT };
      }
    }
    if (merged.replicas !== undefined) {
      issues.push({
        path: where('replicas', override.replicas !== undefined),
        message: `replicas ${merged.replicas} and autoscaling are exclusive in environment ${env.name}${off}: the HPA owns the replica count; remove replicas or set autoscaling: false`,
      });
    }
  }
  const shutdown = shutdownProblem(merged.shutdown);
  if (shutdown) issues.push({ path: where('shutdown.terminationGracePeriodSeconds', override.shutdown !== undefined), message: shutdown });
  if (issues.length > 0) throw new ConfigError(file, issues);

  const replicas = autoscaling
    ? undefined
    : Math.min(merged.replicas ?? env.replicas.default, env.replicas.max ?? Number.POSITIVE_INFINITY);
  return { replicas, autoscaling, size: merged.size, settings: merged.settings, shutdown: merged.shutdown };
}
