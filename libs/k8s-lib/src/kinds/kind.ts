import type { Chart } from 'cdk8s';
import type { z } from 'zod';
import type { Environment } from '../config/environment';
import type { KubeObject } from '../kube-object';
import type { LoadedPackage, Workspace } from '../config/workspace';
import type { NetworkGraph } from '../blueprints/network';
import type { HttpMetrics } from '../blueprints/observability/http-metrics';
import type { ScrapeTarget } from '../blueprints/observability/metrics-monitor';
import type { WatchedWorkload } from '../blueprints/observability/rules';
import type { StoreMetrics } from '../config/store';

/**
 * A kind of package (web service, frontend, data store, cluster-level package): everything the
 * pipeline needs to know about it, in one module. Code outside the registry asks the kind; it never
 * branches on the kind's name. Stages: the loader validates with `schema`; the resolver calls
 * `resolve`, `network` and `endpoint` once per package and environment; the synthesizer calls `build`.
 */
export interface PackageKind<Spec = unknown, Resolved = unknown> {
  /** The `kind` a definition declares (`defineWebService` writes 'web-service'). */
  readonly name: string;
  /** Validates and normalizes the definition: it owns every default. */
  readonly schema: z.ZodType<Spec, unknown>;
  /** Its objects go to the environment's namespace; false for packages that set namespaces themselves. */
  readonly namespaced: boolean;
  /**
   * Stateless: in an environment with slots (blue-green) it is built once per slot, into the slot's
   * namespace, with its network nodes, its policies and its dependencies' endpoints of that slot.
   * @default - not slotted: built once, in the environment's namespace, shared by both slots
   */
  readonly slotted?: boolean;
  /** Whether the package is about every other package (`dependsOnAll`). @default - never */
  dependsOnAll?(spec: Spec): boolean;
  /** The effective config in one environment, every layer applied and every rule checked (throws ConfigError). */
  resolve(pkg: LoadedPackage, spec: Spec, env: Environment): Resolved;
  /** Its place on the network: the nodes and edges of its own, and what it serves. @default - not on the network */
  network?(ctx: ResolveContext<Spec, Resolved>, net: NetworkBuilder): PackageNetwork;
  /** What the packages that declare it in `dependsOn` get. @default - nothing */
  endpoint?(ctx: ResolveContext<Spec, Resolved>): Endpoint;
  /** The features its definitions may declare (set by the registry). @default - none */
  readonly features?: readonly KindFeature[];
  /** Deployment wave, given the waves of other packages. */
  wave(spec: Spec, waveOf: (pkg: string) => number): number;
  /** Adds the package's constructs for one environment to its chart. */
  build(chart: Chart, ctx: BuildContext<Spec, Resolved>): void;
  /** What Prometheus scrapes and watches of the package (kinds/observability.ts). @default - nothing */
  observability?(ctx: BuildContext<Spec, Resolved>): PackageObservability | undefined;
}

/** What Prometheus scrapes and watches of a package: its monitor, its health alerts, its SLIs, its engine. */
export interface PackageObservability {
  /** The workloads its health alerts watch. */
  readonly workloads: readonly WatchedWorkload[];
  /** Where its metrics are scraped. @default - nothing to scrape */
  readonly scrape?: ScrapeTarget;
  /** Its HTTP request metrics, for SLIs and traffic panels. @default - none */
  readonly http?: HttpMetrics;
  /** The store's engine and where its metrics are. @default - not a store */
  readonly engine?: StoreMetrics & { readonly replicas: number };
}

/** One package in one environment, as the resolver sees it. */
export interface ResolveContext<Spec = unknown, Resolved = unknown> {
  readonly pkg: LoadedPackage;
  readonly spec: Spec;
  readonly env: Environment;
  readonly resolved: Resolved;
}

/** One package in one environment, as its build sees it: the whole resolved environment beside it. */
export interface BuildContext<Spec = unknown, Resolved = unknown> extends ResolveContext<Spec, Resolved> {
  readonly model: ResolvedEnvironment;
  /** For a `dependsOnAll` package, the objects of every other package of the environment; empty otherwise. */
  readonly bundle: ReadonlyMap<string, readonly KubeObject[]>;
  /** Tells the person building what the build chose for this environment (a line of the build output). @default - not shown */
  note?(message: string): void;
  /** The slot being built, for a slotted kind in an environment with slots (`env.namespace` is then the slot's). @default - none */
  readonly slot?: string;
}

/** Adds nodes and edges to the environment's network graph. */
export interface NetworkBuilder {
  /** Pods of the package (`pkg` is the package being resolved). */
  pods(id: string, labels: Readonly<Record<string, string>>, serviceAccount: string): void;
  /**
   * Something outside the platform namespace: every pod of that namespace. `outsideMesh`: its pods have
   * no mesh proxy and so no mesh identity (they call in plain text).
   */
  namespace(id: string, namespace: string, options?: { readonly outsideMesh?: boolean }): void;
  /** An address outside the cluster network. */
  ip(id: string, cidr: string): void;
  edge(from: string, to: string, ports: readonly number[]): void;
}

/** What a package serves on the network. */
export interface PackageNetwork {
  /** Ports its consumers (the packages that declare it in dependsOn) reach. */
  readonly served: readonly number[];
  /** The ingress controller reaches the served ports (a public entry). @default false */
  readonly public?: boolean;
  /** Prometheus reaches this port. @default - none */
  readonly metricsPort?: number;
  /** Its own dependsOn become egress edges. @default true */
  readonly consumes?: boolean;
  /**
   * Nodes of its own (by id) that call other packages, on the ports those serve: the edges are added
   * once every package is resolved. @default - none
   */
  readonly calls?: readonly { readonly from: string; readonly to: string }[];
}

/** What a dependency gives its consumers; the consumer's runtime names the settings. */
export type Endpoint =
  | { readonly type: 'http'; readonly name: string; readonly url: string }
  | {
      readonly type: 'store';
      readonly name: string;
      readonly host: string;
      readonly port: number;
      /** Connection settings beyond host and port. */
      readonly connection: Readonly<Record<string, string>>;
      /** The Secret holding the credentials consumers receive, and its keys. */
      readonly credentials: { readonly secret: string; readonly keys: readonly string[] };
    };

/** Every package of one environment, resolved once: what the synthesizer and the checks read. */
export interface ResolvedEnvironment {
  readonly env: Environment;
  readonly workspace: Workspace;
  readonly packages: ReadonlyMap<string, ResolvedPackage>;
  readonly graph: NetworkGraph;
}

export interface ResolvedPackage {
  readonly pkg: LoadedPackage;
  readonly kind: PackageKind;
  readonly spec: unknown;
  readonly resolved: unknown;
  readonly network?: PackageNetwork;
  readonly endpoint?: Endpoint;
}

/**
 * Something a definition of some kinds may declare beside the kind's own fields (database migrations
 * of a web service): its fields, its place on the network and the objects it adds. The registry adds
 * its fields to those kinds' schemas and runs it after the kind, for packages that declare it; a new
 * feature is one module and one line in the registry.
 */
export interface KindFeature<Value = unknown> {
  /** The field a definition declares it with. */
  readonly field: string;
  /** The kinds whose definitions may declare it. */
  readonly kinds: readonly string[];
  /** Validates and normalizes the field. */
  readonly schema: z.ZodType<Value, unknown>;
  /** Built for every package of its kinds, declared or not (`value` undefined when not declared). @default false */
  readonly implicit?: boolean;
  /** Nodes and edges of its own (its pods and what they reach), once the environment's packages are resolved. @default - none */
  network?(ctx: FeatureContext<Value>, model: Pick<ResolvedEnvironment, 'packages'>, net: NetworkBuilder): void;
  /** Adds its objects to the package's chart, after the kind's own. */
  build(chart: Chart, ctx: BuildContext & { readonly value: Value }): void;
}

export interface FeatureContext<Value> extends ResolveContext {
  readonly value: Value;
}
