import type { Construct } from 'constructs';
import { z } from 'zod';
import { dnsLabel } from './definition';
import type { Environment } from './environment';
import type { Workspace } from '../bundle/workspace';

/** What a cluster-level package's build function gets for one environment. */
export interface ClusterPackageContext {
  readonly env: Environment;
  readonly name: string;
  readonly team: string;
  readonly version: string;
  /** Standard labels for the package's objects. */
  readonly labels: Readonly<Record<string, string>>;
  /** The whole workspace, for packages about the other packages (GitOps objects). */
  readonly workspace: Workspace;
}

export type ClusterPackageBuilder = (scope: Construct, ctx: ClusterPackageContext) => void;

export const ClusterPackageSpecSchema = z.strictObject({
  name: dnsLabel,
  team: dnsLabel,
  description: z.string().min(1).optional(),
  /** Packages whose objects must exist first (for ordering and the project graph). @default [] */
  dependsOn: z.array(dnsLabel).default([]),
  /** Emits the package's objects for one environment. Cluster-scoped objects get no namespace. */
  build: z.custom<ClusterPackageBuilder>((v) => typeof v === 'function', 'must be a function (scope, ctx) => void'),
});
export type ClusterPackageSpecInput = z.input<typeof ClusterPackageSpecSchema>;
export type ClusterPackageSpec = z.output<typeof ClusterPackageSpecSchema>;

/** Declares a cluster-level package (infra/): storage classes, namespaces, issuers, ... */
export function defineClusterPackage(spec: ClusterPackageSpecInput): { readonly kind: 'cluster'; readonly spec: ClusterPackageSpecInput } {
  return { kind: 'cluster', spec };
}
