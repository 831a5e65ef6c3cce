import type { Construct } from 'constructs';
import { z } from 'zod';
import { isPinnedTag, PINNED_TAG_MESSAGE } from '../rules';
import { ConfigError, type ConfigIssue } from '../errors';
import { resourcesFor, type ResourceSpec } from './sizes';
import { selectorLabels, standardLabels } from '../labels';
import { dnsLabel, SIZES } from './definition';
import { STORAGE_CLASSES, type Environment } from './environment';
import { mergeLayers } from './merge';

const storageSize = z.string().regex(/^[1-9][0-9]*(Mi|Gi|Ti)$/, 'must be a size such as 10Gi');

/** Everything a store's build function needs for one environment, resolved. */
export interface StoreContext {
  readonly env: Environment;
  readonly name: string;
  readonly team: string;
  readonly component: string;
  /** The engine image, from the environment's registry, with the pinned tag. */
  readonly image: string;
  /** Version label: the image tag. */
  readonly version: string;
  /** Members: the store's own replicas, else the environment's `stores.replicas`. */
  readonly replicas: number;
  /** Persistent volume per member; undefined when the store runs without persistence (dev only). */
  readonly storage?: { readonly size: string; readonly storageClass: string };
  /** Requests equal limits where the environment asks for Guaranteed QoS. */
  readonly resources: ResourceSpec;
  /** Secret holding the store's credentials, created by an ExternalSecret. */
  readonly credentialsSecret: string;
  /** Key of the credentials in the secret backend. */
  readonly credentialsRemoteKey: string;
  /** Scheduled backups: the environment's `backups` settings. */
  readonly backups: Environment['backups'];
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  /** Image reference from the environment's registry. */
  imageOf(repository: string, tag: string): string;
  /**
   * The props a store's own workload takes from this context, to spread into a StatefulStore (or an
   * operator's resource): `new StatefulStore(scope, 'Redis', { ...ctx.workload, ports, ... })`.
   */
  readonly workload: StoreWorkload;
}

/** The part of a store's workload its resolved config decides. */
export interface StoreWorkload {
  readonly name: string;
  readonly team: string;
  readonly component: string;
  readonly image: string;
  readonly replicas: number;
  readonly storage?: { readonly size: string; readonly storageClass: string };
  readonly resources: ResourceSpec;
}

export type StoreBuilder = (scope: Construct, ctx: StoreContext) => void;

/** What the store's pods need on the network; the NetworkPolicies are derived from it and the dependency graph. */
export interface StoreNetwork {
  /** Labels of the store's pods. @default - the store's selector labels */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Ports consumers connect to. @default - [port] */
  readonly clientPorts?: readonly number[];
  /** Ports the members use among themselves (replication, clustering). @default [] */
  readonly peerPorts?: readonly number[];
  /** Ports the backup pods (`<store>-backup`) connect to; an empty list when the store has no backup pods. @default - the client ports */
  readonly backupPorts?: readonly number[];

  /** An operator that reaches the members. @default - none */
  readonly operator?: { readonly namespace: string; readonly ports: readonly number[] };
  /** The members call the Kubernetes API (an operator's instance manager). @default false */
  readonly apiServer?: boolean;
  /** The members send backups to the object store. @default false */
  readonly objectStore?: boolean;
  /** ServiceAccount of the store's pods, for mesh identities. @default - the store's name */
  readonly serviceAccount?: string;
}

export type StoreNetworkSpec = (ctx: StoreContext) => StoreNetwork;

/** The engines whose metrics the platform knows: their alerts and dashboards (blueprints/observability/engines.ts). */
export const STORE_ENGINES = ['cloudnative-pg', 'rabbitmq', 'redis', 'elasticsearch'] as const;
export type StoreEngine = (typeof STORE_ENGINES)[number];

/**
 * Where a store's metrics are: its engine's exporter on a named container port of its pods. From it
 * the store gets a PodMonitor, its engine's alerts and dashboard, and Prometheus's ingress to the
 * port, where the environment runs prometheus-operator.
 */
export interface StoreMetrics {
  readonly engine: StoreEngine;
  /** Labels of the pods that serve the metrics. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Name and number of the container port. */
  readonly port: { readonly name: string; readonly number: number };
  /** @default '/metrics' */
  readonly path?: string;
  /** Regular expression (PromQL, fully anchored) of the pods' names, for the health alerts. */
  readonly pods: string;
  /** The StatefulSet that runs the members, where one does (not CloudNativePG's). @default - none */
  readonly statefulSet?: string;
}

export type StoreMetricsSpec = (ctx: StoreContext) => StoreMetrics | undefined;
/** Extra settings for consumers, as `Stores__<Store>__<Key>`; Host and Port are always given. */
export type StoreConnection = (ctx: StoreContext) => Record<string, string>;

const isFunction = (v: unknown) => typeof v === 'function';

const storeTunables = {
  /** Persistent volumes. Refused when false in an environment that requires persistence. @default true */
  persistence: z.boolean().optional(),
  storage: z
    .strictObject({
      /** Volume size per member. */
      size: storageSize.optional(),
      /** @default - the environment's `stores.storageClass` */
      storageClass: z.enum(STORAGE_CLASSES).optional(),
    })
    .optional(),
  /** Members. @default - the environment's `stores.replicas` */
  replicas: z.int().min(1).max(7).optional(),
  /** @default 'medium' */
  size: z.enum(SIZES).optional(),
};

export const StoreSpecSchema = z.strictObject({
  name: dnsLabel,
  team: dnsLabel,
  description: z.string().min(1).optional(),
  component: z.enum(['database', 'cache', 'search', 'message-broker']),
  image: z.strictObject({
    /** Repository below the environment's registry (a mirror of the engine's official image). */
    repository: z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, 'must be an image repository such as library/postgres'),
    /** Pinned engine version. */
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag')
      .refine(isPinnedTag, PINNED_TAG_MESSAGE),
  }),
  /** Client port, exposed by the `<name>` Service. */
  port: z.int().min(1024).max(65535),
  credentials: z.strictObject({
    /** Key of the store's credentials in the secret backend. */
    remoteKey: z.string().min(1),
    /** Keys of the credentials Secret that consumers receive as `Stores__<Store>__<Key>`. @default ['username', 'password'] */
    consumerKeys: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default(['username', 'password']),
    /** Type of the credentials Secret, for engines that require one. @default 'Opaque' */
    secretType: z.string().optional(),
  }),
  ...storeTunables,
  /** Settings for consumers beyond Host and Port. @default - none */
  connection: z.custom<StoreConnection>(isFunction, 'must be a function (ctx) => settings').optional(),
  /** What the store's pods need on the network. @default - consumers reach `port`; nothing else */
  network: z.custom<StoreNetworkSpec>(isFunction, 'must be a function (ctx) => network').optional(),
  /** Where the store's engine exports metrics. @default - not scraped */
  metrics: z.custom<StoreMetricsSpec>(isFunction, 'must be a function (ctx) => metrics').optional(),
  /** Emits the store's objects for one environment. */

  build: z.custom<StoreBuilder>(isFunction, 'must be a function (scope, ctx) => void'),
  overrides: z.record(dnsLabel, z.strictObject(storeTunables)).default({}),
});
export type StoreSpecInput = z.input<typeof StoreSpecSchema>;
export type StoreSpec = z.output<typeof StoreSpecSchema>;

/** Declares a data store package; its build function emits the engine's objects. */
export function defineStore(spec: StoreSpecInput): { readonly kind: 'store'; readonly spec: StoreSpecInput } {
  return { kind: 'store', spec };
}

/**
 * Effective store config: defaults <- environment globals (`stores.*`) <- the store's definition <- its
 * override for the environment. Throws naming the file and field when the result is not allowed.
 */
export function resolveStore(spec: StoreSpec, env: Environment, file: string): StoreContext {
  const override = spec.overrides[env.name] ?? {};
  const merged = mergeLayers<z.output<z.ZodObject<typeof storeTunables>>>(
    { persistence: true, replicas: env.stores.replicas, size: 'medium', storage: { storageClass: env.stores.storageClass } },
    { persistence: spec.persistence, storage: spec.storage, replicas: spec.replicas, size: spec.size },
    override,
  );
  const issues: ConfigIssue[] = [];
  const where = (field: string, touched: boolean) => (touched ? `overrides.${env.name}.${field}` : field);
  if (!merged.persistence && env.stores.requirePersistence) {
    issues.push({
      path: where('persistence', override.persistence !== undefined),
      message: `a store without persistence is refused in environment ${env.name} (stores.requirePersistence is true)`,
    });
  }
  if (merged.persistence && !merged.storage?.size) {
    issues.push({
      path: where('storage.size', override.storage !== undefined),
      message: `a persistent store needs a volume size in environment ${env.name}`,
    });
  }
  if (issues.length > 0) throw new ConfigError(file, issues);

  const base = resourcesFor(env.sizeProfile, merged.size ?? 'medium');
  // Guaranteed QoS: limits come down to the requests, so the scheduler reserves exactly what the store may use.
  const resources = env.stores.guaranteedQos ? { requests: { ...base.requests }, limits: { ...base.requests } } : base;
  const imageOf = (repository: string, tag: string) => `${env.images.registry}/${repository}:${tag}`;
  const workload: StoreWorkload = {
    name: spec.name,
    team: spec.team,
    component: spec.component,
    image: imageOf(spec.image.repository, spec.image.tag),
    replicas: merged.replicas ?? env.stores.replicas,
    storage: merged.persistence
      ? { size: merged.storage!.size!, storageClass: merged.storage!.storageClass ?? env.stores.storageClass }
      : undefined,
    resources,
  };
  return {
    env,
    ...workload,
    workload,
    version: spec.image.tag,
    credentialsSecret: `${spec.name}-credentials`,
    credentialsRemoteKey: spec.credentials.remoteKey,
    backups: env.backups,
    labels: standardLabels({ name: spec.name, team: spec.team, component: spec.component, version: spec.image.tag }),
    selector: selectorLabels(spec.name),
    imageOf,
  };
}
