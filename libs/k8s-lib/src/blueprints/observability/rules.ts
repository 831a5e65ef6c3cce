// The Prometheus rules of a package, as data: SLO recording rules and multi-window, multi-burn-rate
// alerts in Sloth's series names, kubernetes-mixin-style health alerts of its workloads, and the alerts
// of a store's engine. The PrometheusRule construct (prometheus-rule.ts) writes them.

/** One recording rule or alert of a PrometheusRule group. */
export type PrometheusRuleEntry =
  | { readonly record: string; readonly expr: string; readonly labels?: Readonly<Record<string, string>> }
  | {
      readonly alert: string;
      readonly expr: string;
      readonly for?: string;
      readonly labels: Readonly<Record<string, string>>;
      readonly annotations: Readonly<Record<string, string>>;
    };

export interface PrometheusRuleGroup {
  readonly name: string;
  readonly rules: readonly PrometheusRuleEntry[];
}

/** Where an alert's people go: the runbook and the dashboard. */
export interface AlertLinks {
  /** The runbook of an alert, by its name. */
  runbook(alert: string): string;
  /** The package's dashboard. */
  readonly dashboard: string;
}

/**
 * An SLI: the ratio of bad events to all events over a window, and the number of events in a window
 * (for the low-traffic guard). `window` is a Prometheus duration such as `5m`.
 */
export interface Sli {
  errorRatio(window: string): string;
  events(window: string): string;
}

export interface SloRulesProps {
  /** The service (`sloth_service`). */
  readonly service: string;
  /** The SLO's name (`sloth_slo`). */
  readonly name: string;
  /** Target, in percent of good events (99.9). */
  readonly objective: number;
  /** Length of the SLO period in days. */
  readonly periodDays: number;
  readonly sli: Sli;
  /** What the SLO promises, in one sentence (the alerts' description). */
  readonly description: string;
  /**
   * Fewest events in the page alert's long window (1h) for the page to fire: below it one error is a
   * large ratio. The ticket alerts have no guard: over one and three days a quiet service still gets
   * a ticket when its errors burn the budget.
   */
  readonly minEventsPerHour: number;
  readonly links: AlertLinks;
}

/** The windows the SLI is recorded over (Sloth's set), the period's own added. */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/**
 * The SRE workbook's alerting windows for a 30-day period: what share of the budget burning within
 * the long window pages or opens a ticket. The burn rate is that share over the window's share of the
 * period (2 % in 1h of 30 days: 14.4).
 */
export const BURN_WINDOWS = [
  { severity: 'page', short: '5m', long: '1h', budgetShare: 0.02 },
  { severity: 'page', short: '30m', long: '6h', budgetShare: 0.05 },
  { severity: 'ticket', short: '2h', long: '1d', budgetShare: 0.1 },
  { severity: 'ticket', short: '6h', long: '3d', budgetShare: 0.1 },
] as const;

const HOURS: Record<string, number> = { '1h': 1, '6h': 6, '1d': 24, '3d': 72 };

/** The burn rate that spends `budgetShare` of the budget of `periodDays` within `long`. */
export function burnRate(budgetShare: number, long: string, periodDays: number): number {
  return round((budgetShare * periodDays * 24) / HOURS[long]!);
}

/** Numbers as Prometheus reads them, without binary noise (1 - 0.999 is 0.0010000000000000009). */
function round(n: number): number {
  return Number(n.toPrecision(12));
}

/** The rule groups of one SLO, in Sloth's layout and series names (its dashboards read them as they are). */
export function sloRuleGroups(p: SloRulesProps): PrometheusRuleGroup[] {
  const id = `${p.service}-${p.name}`;
  const ids = { sloth_id: id, sloth_service: p.service, sloth_slo: p.name };
  const sel = `{sloth_id="${id}", sloth_service="${p.service}", sloth_slo="${p.name}"}`;
  const period = `${p.periodDays}d`;
  const budget = round(1 - p.objective / 100);
  const sli: PrometheusRuleEntry[] = [
    ...SLI_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: p.sli.errorRatio(w), labels: { ...ids, sloth_window: w } })),
    {
      record: `slo:sli_error:ratio_rate${period}`,
      expr: `sum_over_time(slo:sli_error:ratio_rate5m${sel}[${period}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m${sel}[${period}])`,
      labels: { ...ids, sloth_window: period },
    },
  ];
  const meta: PrometheusRuleEntry[] = [
    { record: 'slo:objective:ratio', expr: `vector(${round(p.objective / 100)})`, labels: ids },
    { record: 'slo:error_budget:ratio', expr: `vector(${budget})`, labels: ids },
    { record: 'slo:time_period:days', expr: `vector(${p.periodDays})`, labels: ids },
    {
      record: 'slo:current_burn_rate:ratio',
      expr: `slo:sli_error:ratio_rate5m${sel}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${sel}`,
      labels: ids,
    },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: `slo:sli_error:ratio_rate${period}${sel}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\nslo:error_budget:ratio${sel}`,
      labels: ids,
    },
    { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${sel}`, labels: ids },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: { ...ids, sloth_objective: String(p.objective), sloth_mode: 'b2connect-deploy' },
    },
  ];
  const pair = (short: string, long: string, factor: number) =>
    [
      `max(slo:sli_error:ratio_rate${short}${sel} > (${factor} * ${budget})) without (sloth_window)`,
      `max(slo:sli_error:ratio_rate${long}${sel} > (${factor} * ${budget})) without (sloth_window)`,
    ].join('\nand\n');
  const alert = (severity: 'page' | 'ticket'): PrometheusRuleEntry => {
    const windows = BURN_WINDOWS.filter((w) => w.severity === severity);
    const burn = windows.map((w) => `(\n${pair(w.short, w.long, burnRate(w.budgetShare, w.long, p.periodDays))}\n)`).join('\nor\n');
    const guard = severity === 'page' ? `\nand on() (${p.sli.events('1h')} >= ${p.minEventsPerHour})` : '';
    const name = severity === 'page' ? 'SLOErrorBudgetBurnFast' : 'SLOErrorBudgetBurnSlow';
    return {
      alert: name,
      expr: `(\n${burn}\n)${guard}`,
      labels: { severity: severity === 'page' ? 'critical' : 'warning', sloth_severity: severity, ...ids },
      annotations: {
        summary: `{{ $labels.sloth_service }} {{ $labels.sloth_slo }}: the error budget burns ${severity === 'page' ? 'fast' : 'steadily'}`,
        description:
          `${p.description} At this rate the ${period} error budget (${round(100 - p.objective)} % of events) ` +
          `is gone ${severity === 'page' ? 'within days' : 'before the period ends'}.`,
        runbook_url: p.links.runbook(name),
        dashboard_url: p.links.dashboard,
      },
    };
  };
  return [
    { name: `sloth-slo-sli-recordings-${id}`, rules: sli },
    { name: `sloth-slo-meta-recordings-${id}`, rules: meta },
    { name: `sloth-slo-alerts-${id}`, rules: [alert('page'), alert('ticket')] },
  ];
}

/** A workload of a package, as kube-state-metrics names it, with the names of its pods. */
export interface WatchedWorkload {
  readonly kind: 'Deployment' | 'Rollout' | 'StatefulSet' | 'Pods';
  readonly name: string;
  /** Regular expression (PromQL, fully anchored) of its pods' names. */
  readonly pods: string;
  /** An HPA of the same name scales it. */
  readonly autoscaled?: boolean;
}

/** The upstream runbooks of kubernetes-mixin's alerts, which these health alerts follow. */
const MIXIN_RUNBOOKS = 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes';

/**
 * Health alerts of a package's workloads in the style of kubernetes-mixin (crash looping, not ready,
 * replicas mismatch, HPA at its maximum), each scoped to the package's namespace and workloads.
 */
export function workloadAlerts(namespace: string, workloads: readonly WatchedWorkload[], links: AlertLinks): PrometheusRuleGroup {
  const dashboard = links.dashboard;
  const ns = `namespace="${namespace}"`;
  const ksm = `job="kube-state-metrics", ${ns}`;
  const mixin = (alert: string) => ({ runbook_url: `${MIXIN_RUNBOOKS}/${alert.toLowerCase()}`, dashboard_url: dashboard });
  const rules: PrometheusRuleEntry[] = workloads.flatMap((w): PrometheusRuleEntry[] => {
    const pods = `pod=~"${w.pods}"`;
    const own: PrometheusRuleEntry[] = [
      {
        alert: 'KubePodCrashLooping',
        expr: `max_over_time(kube_pod_container_status_waiting_reason{${ksm}, ${pods}, reason="CrashLoopBackOff"}[5m]) >= 1`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Pod is crash looping.',
          description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is waiting in CrashLoopBackOff.',
          ...mixin('KubePodCrashLooping'),
        },
      },
      {
        alert: 'KubePodNotReady',
        expr: `sum by (namespace, pod) (kube_pod_status_phase{${ksm}, ${pods}, phase=~"Pending|Unknown|Failed"}) > 0`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Pod has been in a non-ready state for more than 15 minutes.',
          description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} has been pending, unknown or failed for longer than 15 minutes.',
          ...mixin('KubePodNotReady'),
        },
      },
    ];
    if (w.kind === 'Deployment') {
      const d = `${ksm}, deployment="${w.name}"`;
      own.push({
        alert: 'KubeDeploymentReplicasMismatch',
        expr: `(kube_deployment_spec_replicas{${d}} > kube_deployment_status_replicas_available{${d}})\nand\n(changes(kube_deployment_status_replicas_updated{${d}}[10m]) == 0)`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Deployment has not matched the expected number of replicas.',
          description: `Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not had the desired number of available replicas for more than 15 minutes.`,
          ...mixin('KubeDeploymentReplicasMismatch'),
        },
      });
    }
    if (w.kind === 'Rollout') {
      // kube-state-metrics knows no Rollout: the Argo Rollouts controller's own metrics, scraped by its
      // own ServiceMonitor without honorLabels, so that `namespace` is the controller's and the
      // Rollout's namespace is `exported_namespace` (as for ingress-nginx, http-metrics.ts).
      const r = `exported_namespace="${namespace}", name="${w.name}"`;
      own.push(
        {
          alert: 'RolloutReplicasMismatch',
          expr: `max by (exported_namespace, name) (rollout_info_replicas_desired{${r}}) > max by (exported_namespace, name) (rollout_info_replicas_available{${r}})`,
          for: '15m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Rollout has not matched the expected number of replicas.',
            description:
              'Rollout {{ $labels.exported_namespace }}/{{ $labels.name }} has had fewer available replicas than desired for more than 15 minutes.',
            runbook_url: links.runbook('RolloutReplicasMismatch'),
            dashboard_url: dashboard,
          },
        },
        {
          alert: 'RolloutDegraded',
          expr: `max by (exported_namespace, name) (rollout_info{${r}, phase="Degraded"}) == 1`,
          for: '5m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Rollout is degraded: its canary was aborted or its pods are not available.',
            description:
              'Rollout {{ $labels.exported_namespace }}/{{ $labels.name }} has been Degraded for 5 minutes; the stable version still serves.',
            runbook_url: links.runbook('RolloutDegraded'),
            dashboard_url: dashboard,
          },
        },
      );
    }
    if (w.kind === 'StatefulSet') {
      const s = `${ksm}, statefulset="${w.name}"`;
      own.push({
        alert: 'KubeStatefulSetReplicasMismatch',
        expr: `(kube_statefulset_status_replicas_ready{${s}} != kube_statefulset_status_replicas{${s}})\nand\n(changes(kube_statefulset_status_replicas_updated{${s}}[10m]) == 0)`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'StatefulSet has not matched the expected number of replicas.',
          description:
            'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has not matched the expected number of replicas for longer than 15 minutes.',
          ...mixin('KubeStatefulSetReplicasMismatch'),
        },
      });
    }
    if (w.autoscaled) {
      const h = `${ksm}, horizontalpodautoscaler="${w.name}"`;
      own.push({
        alert: 'KubeHpaMaxedOut',
        expr: `kube_horizontalpodautoscaler_status_current_replicas{${h}}\n==\nkube_horizontalpodautoscaler_spec_max_replicas{${h}}`,
        for: '15m',
        labels: { severity: 'warning' },
        annotations: {
          summary: 'HPA is running at max replicas.',
          description:
            'HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has been running at max replicas for longer than 15 minutes.',
          ...mixin('KubeHpaMaxedOut'),
        },
      });
    }
    return own;
  });
  return { name: 'workload-health', rules };
}
