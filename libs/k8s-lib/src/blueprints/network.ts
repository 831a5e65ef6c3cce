/**
 * The network graph of one environment, derived from what packages declare (dependsOn, ports, store
 * network needs) by their kinds while the environment is resolved (resolve/model.ts). It is the single
 * source of the NetworkPolicies, the Istio AuthorizationPolicies and the diagram in each bundle: an
 * undeclared path is closed.
 */

/** A party on the network: pods of a package, pods of a store's backups, or something outside the namespace. */
export type NetworkNode =
  | {
      readonly kind: 'pods';
      readonly id: string;
      readonly labels: Readonly<Record<string, string>>;
      readonly pkg: string;
      /** ServiceAccount of the pods: their identity in the mesh. */
      readonly serviceAccount: string;
      /** Name of their policies. @default - the id */
      readonly name?: string;
      /** The slot they run in (blue-green), for the pods of a stateless package. @default - none */
      readonly slot?: string;
      /** Their namespace, set in an environment with slots only. @default - the environment's namespace */
      readonly namespace?: string;
    }
  | {
      readonly kind: 'namespace';
      readonly id: string;
      readonly namespace: string;
      /** Its pods have no mesh proxy, so no mesh identity: under Istio they call in plain text (MeshPolicies). */
      readonly outsideMesh?: true;
    }
  | { readonly kind: 'ip'; readonly id: string; readonly cidr: string };

export interface NetworkEdge {
  readonly from: string;
  readonly to: string;
  /** Destination pod ports. */
  readonly ports: readonly number[];
}

export interface NetworkGraph {
  readonly nodes: ReadonlyMap<string, NetworkNode>;
  readonly edges: readonly NetworkEdge[];
}
