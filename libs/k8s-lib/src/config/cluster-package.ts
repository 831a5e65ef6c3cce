import type { Construct } from 'constructs';
import { z } from 'zod';
import { dnsLabel } from './definition';
import type { Environment } from './environment';
import type { KubeObject } from '../kube-object';
import type { Workspace } from './workspace';

/** What a cluster-level package's build function gets for one environment. */
export interface ClusterPackageContext {
  readonly env: Environment;
  readonly name: string;
  readonly team: string;
  readonly version: string;
  /** Standard labels for the package's objects. */
  readonly labels: Readonly<Record<string, string>>;
  /** The whole workspace, for packages about the other packages (GitOps objects; declare `dependsOnAll`). */
  readonly workspace: Workspace;
  /**
   * For a `dependsOnAll` package, the objects every other package of the workspace emits in this
   * environment, by package name (synthesized first, read-only; packages that failed to synthesize are
   * absent and reported on their own). Empty for every other package: a package's objects never depend
   * on the order it is built in.
   */
  readonly bundle: ReadonlyMap<string, readonly KubeObject[]>;
}

export type ClusterPackageBuilder = (scope: Construct, ctx: ClusterPackageContext) => void;

/** A namespace of a cluster-level package whose pods call packages of the platform namespace. */
export interface ClusterClient {
  /** The namespace (every pod of it is the caller). */
  readonly namespace: string;
  /** Packages of the platform namespace it calls, on the ports each serves. */
  readonly reaches: readonly string[];
  /**
   * Its pods run without a mesh proxy (injection off), so they have no mesh identity and call in plain
   * text. Under Istio each called package then accepts plain text on exactly these ports
   * (PeerAuthentication, port-level PERMISSIVE) from callers without an identity (AuthorizationPolicy
   * `notPrincipals: ["*"]`); which namespace they come from is restricted by the NetworkPolicy alone.
   * @default false
   */
  readonly outsideMesh?: boolean;
}

/** The namespaces of a cluster-level package that call the platform's packages, in one environment. */
export type ClusterClients = (env: Environment) => readonly ClusterClient[];

export const ClusterPackageSpecSchema = z.strictObject({
  name: dnsLabel,
  team: dnsLabel,
  description: z.string().min(1).optional(),
  /** Packages whose objects must exist first (for ordering and the project graph). @default [] */
  dependsOn: z.array(dnsLabel).default([]),
  /**
   * The package is about every other package (the GitOps objects list them all): it depends on each of
   * them, in the project graph (a new, renamed or removed package rebuilds it), in the cache keys and in
   * the build, and it comes after all of them in the deployment order. @default false
   */
  dependsOnAll: z.boolean().default(false),
  /**
   * Namespaces of its own whose pods call packages of the platform namespace, per environment: the
   * network graph gets an edge from each namespace to the ports each named package serves, so that
   * the called package's NetworkPolicy (and AuthorizationPolicy under Istio) admits it. Its own
   * namespaces' policies are the package's to emit. @default - none
   */
  clients: z.custom<ClusterClients>((v) => typeof v === 'function', 'must be a function (env) => [{ namespace, reaches }]').optional(),
  /** Emits the package's objects for one environment. Cluster-scoped objects get no namespace. */
  build: z.custom<ClusterPackageBuilder>((v) => typeof v === 'function', 'must be a function (scope, ctx) => void'),
});
export type ClusterPackageSpecInput = z.input<typeof ClusterPackageSpecSchema>;
export type ClusterPackageSpec = z.output<typeof ClusterPackageSpecSchema>;

/** Declares a cluster-level package (infra/): storage classes, namespaces, issuers, ... */
export function defineClusterPackage(spec: ClusterPackageSpecInput): { readonly kind: 'cluster'; readonly spec: ClusterPackageSpecInput } {
  return { kind: 'cluster', spec };
}
