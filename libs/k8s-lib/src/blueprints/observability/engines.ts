import type { AlertLinks, PrometheusRuleEntry, PrometheusRuleGroup } from './rules';

// What the platform knows of each store engine's metrics: the alerts a store of that engine gets and
// the panels of its dashboard. The metrics are the engines' own exporters': CloudNativePG's instance
// manager (cnpg_*), RabbitMQ's built-in prometheus plugin (rabbitmq_*), redis_exporter (redis_*) and
// elasticsearch_exporter (elasticsearch_*).

import type { StoreEngine } from '../../config/store';

export interface EngineScope {
  readonly namespace: string;
  /** Regular expression (fully anchored) of the store's pod names. */
  readonly pods: string;
  /** Members of the store. */
  readonly replicas: number;
  /** The StatefulSet that runs the members, where one does. */
  readonly statefulSet?: string;
}

/** One panel of an engine's dashboard: a title, a unit and its queries (legend, expression). */
export interface EnginePanel {
  readonly title: string;
  readonly unit: string;
  readonly queries: readonly { readonly legend: string; readonly expr: string }[];
}

export interface Engine {
  alerts(scope: EngineScope, links: AlertLinks): PrometheusRuleEntry[];
  panels(scope: EngineScope): EnginePanel[];
}

const scoped = (s: EngineScope) => `namespace="${s.namespace}", pod=~"${s.pods}"`;

const alert = (
  name: string,
  expr: string,
  severity: 'critical' | 'warning',
  forTime: string,
  summary: string,
  description: string,
  links: AlertLinks,
): PrometheusRuleEntry => ({
  alert: name,
  expr,
  for: forTime,
  labels: { severity },
  annotations: { summary, description, runbook_url: links.runbook(name), dashboard_url: links.dashboard },
});

export const ENGINES: Readonly<Record<StoreEngine, Engine>> = {
  'cloudnative-pg': {
    alerts: (s, links) => [
      alert(
        'PostgresInstanceDown',
        `cnpg_collector_up{${scoped(s)}} == 0`,
        'critical',
        '5m',
        'A PostgreSQL instance is down.',
        'The instance manager of {{ $labels.pod }} reports PostgreSQL as not running.',
        links,
      ),
      alert(
        'PostgresNoPrimary',
        `(count(cnpg_pg_replication_in_recovery{${scoped(s)}} == 0) or on() vector(0)) != 1`,
        'critical',
        '2m',
        'The PostgreSQL cluster has no single primary.',
        `The cluster in namespace ${s.namespace} has {{ $value }} primaries instead of one: writes fail until CloudNativePG elects one.`,
        links,
      ),
      alert(
        'PostgresFailover',
        `changes(cnpg_pg_replication_in_recovery{${scoped(s)}}[10m]) > 0`,
        'warning',
        '0m',
        'A PostgreSQL instance changed role (failover or switchover).',
        'Instance {{ $labels.pod }} changed between primary and replica in the last 10 minutes.',
        links,
      ),
      ...(s.replicas > 1
        ? [
            alert(
              'PostgresReplicationLag',
              `max by (namespace, pod) (cnpg_pg_replication_lag{${scoped(s)}}) > 30`,
              'warning',
              '5m',
              'A PostgreSQL replica lags behind its primary.',
              'Replica {{ $labels.pod }} is {{ $value }} seconds behind the primary.',
              links,
            ),
          ]
        : []),
    ],
    panels: (s) => [
      { title: 'Instances up', unit: 'short', queries: [{ legend: '{{pod}}', expr: `cnpg_collector_up{${scoped(s)}}` }] },
      {
        title: 'Replication lag',
        unit: 's',
        queries: [{ legend: '{{pod}}', expr: `max by (pod) (cnpg_pg_replication_lag{${scoped(s)}})` }],
      },
      {
        title: 'Backends',
        unit: 'short',
        queries: [{ legend: '{{pod}}', expr: `sum by (pod) (cnpg_backends_total{${scoped(s)}})` }],
      },
    ],
  },
  rabbitmq: {
    alerts: (s, links) => [
      alert(
        'RabbitmqMemoryAlarm',
        `max by (namespace, pod) (rabbitmq_alarms_memory_used_watermark{${scoped(s)}}) > 0`,
        'critical',
        '1m',
        'A RabbitMQ node raised its memory alarm: publishers are blocked.',
        'Node {{ $labels.pod }} is above its memory high watermark; connections that publish are blocked.',
        links,
      ),
      alert(
        'RabbitmqDiskAlarm',
        `max by (namespace, pod) (rabbitmq_alarms_free_disk_space_watermark{${scoped(s)}}) > 0`,
        'critical',
        '1m',
        'A RabbitMQ node raised its disk alarm: publishers are blocked.',
        'Node {{ $labels.pod }} is below its free disk space limit; connections that publish are blocked.',
        links,
      ),
      ...(s.statefulSet && s.replicas > 1
        ? [
            alert(
              'RabbitmqNoQuorum',
              `kube_statefulset_status_replicas_ready{job="kube-state-metrics", namespace="${s.namespace}", statefulset="${s.statefulSet}"} <= ${Math.floor(s.replicas / 2)}`,
              'critical',
              '5m',
              'Fewer than a majority of RabbitMQ nodes are ready: quorum queues are unavailable.',
              `Only {{ $value }} of ${s.replicas} RabbitMQ nodes in namespace ${s.namespace} are ready; quorum queues need ${Math.floor(s.replicas / 2) + 1}.`,
              links,
            ),
          ]
        : []),
    ],
    panels: (s) => [
      {
        title: 'Messages ready',
        unit: 'short',
        queries: [{ legend: '{{pod}}', expr: `sum by (pod) (rabbitmq_queue_messages_ready{${scoped(s)}})` }],
      },
      {
        title: 'Memory used',
        unit: 'bytes',
        queries: [{ legend: '{{pod}}', expr: `sum by (pod) (rabbitmq_process_resident_memory_bytes{${scoped(s)}})` }],
      },
      {
        title: 'Alarms',
        unit: 'short',
        queries: [
          { legend: 'memory {{pod}}', expr: `max by (pod) (rabbitmq_alarms_memory_used_watermark{${scoped(s)}})` },
          { legend: 'disk {{pod}}', expr: `max by (pod) (rabbitmq_alarms_free_disk_space_watermark{${scoped(s)}})` },
        ],
      },
    ],
  },
  redis: {
    alerts: (s, links) => [
      alert(
        'RedisDown',
        `redis_up{${scoped(s)}} == 0`,
        'critical',
        '2m',
        'A Redis member is down.',
        'The exporter of {{ $labels.pod }} cannot reach Redis.',
        links,
      ),
      ...(s.replicas > 1
        ? [
            alert(
              'RedisMasterLinkDown',
              `max by (namespace, pod) (redis_master_link_up{${scoped(s)}}) == 0`,
              'critical',
              '2m',
              'A Redis replica lost its link to the master.',
              'Replica {{ $labels.pod }} is not replicating from the master; Sentinel may be failing over.',
              links,
            ),
          ]
        : []),
    ],
    panels: (s) => [
      {
        title: 'Commands',
        unit: 'ops',
        queries: [{ legend: '{{pod}}', expr: `sum by (pod) (rate(redis_commands_processed_total{${scoped(s)}}[$__rate_interval]))` }],
      },
      {
        title: 'Memory used',
        unit: 'bytes',
        queries: [{ legend: '{{pod}}', expr: `max by (pod) (redis_memory_used_bytes{${scoped(s)}})` }],
      },
      {
        title: 'Connected clients',
        unit: 'short',
        queries: [{ legend: '{{pod}}', expr: `max by (pod) (redis_connected_clients{${scoped(s)}})` }],
      },
    ],
  },
  elasticsearch: {
    alerts: (s, links) => [
      alert(
        'ElasticsearchClusterRed',
        `max by (namespace, cluster) (elasticsearch_cluster_health_status{${scoped(s)}, color="red"}) == 1`,
        'critical',
        '5m',
        'The Elasticsearch cluster is red: some primary shards are unassigned.',
        'Cluster {{ $labels.cluster }} has unassigned primary shards; searches and writes to those indices fail.',
        links,
      ),
      alert(
        'ElasticsearchClusterYellow',
        `max by (namespace, cluster) (elasticsearch_cluster_health_status{${scoped(s)}, color="yellow"}) == 1`,
        'warning',
        '30m',
        'The Elasticsearch cluster is yellow: some replica shards are unassigned.',
        'Cluster {{ $labels.cluster }} has unassigned replica shards; one more lost node may lose data.',
        links,
      ),
    ],
    panels: (s) => [
      {
        title: 'Cluster health',
        unit: 'short',
        queries: [{ legend: '{{color}}', expr: `max by (color) (elasticsearch_cluster_health_status{${scoped(s)}})` }],
      },
      {
        title: 'JVM heap used',
        unit: 'bytes',
        queries: [{ legend: '{{pod}}', expr: `max by (pod) (elasticsearch_jvm_memory_used_bytes{${scoped(s)}, area="heap"})` }],
      },
      {
        title: 'Unassigned shards',
        unit: 'short',
        queries: [{ legend: 'unassigned', expr: `max(elasticsearch_cluster_health_unassigned_shards{${scoped(s)}})` }],
      },
    ],
  },
};

/** The rule group of a store's engine. */
export function engineAlerts(engine: StoreEngine, scope: EngineScope, links: AlertLinks): PrometheusRuleGroup {
  return { name: `${engine}-engine`, rules: ENGINES[engine].alerts(scope, links) };
}
