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

/** A package's view of a graph: its pods, and each node's edges in and out, in the graph's order. */
interface GraphIndex {
  readonly podsOf: ReadonlyMap<string, NetworkNode[]>;
  readonly into: ReadonlyMap<string, NetworkEdge[]>;
  readonly outOf: ReadonlyMap<string, NetworkEdge[]>;
}

const packageKey = (pkg: string, slot: string | undefined) => JSON.stringify(slot === undefined ? [pkg] : [pkg, slot]);

/** Indexed once per graph: every package of an environment asks about its own nodes and edges. */
const indexes = new WeakMap<NetworkGraph, GraphIndex>();

function indexOf(graph: NetworkGraph): GraphIndex {
  let index = indexes.get(graph);
  if (!index) {
    const podsOf = new Map<string, NetworkNode[]>();
    const into = new Map<string, NetworkEdge[]>();
    const outOf = new Map<string, NetworkEdge[]>();
    const add = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
      const list = map.get(key);
      if (list) list.push(value);
      else map.set(key, [value]);
    };
    for (const n of graph.nodes.values()) if (n.kind === 'pods') add(podsOf, packageKey(n.pkg, n.slot), n);
    for (const e of graph.edges) {
      add(into, e.to, e);
      add(outOf, e.from, e);
    }
    indexes.set(graph, (index = { podsOf, into, outOf }));
  }
  return index;
}

/** The pods nodes of a package (in a slot, or unslotted), in the graph's order. */
export function podsOfPackage(graph: NetworkGraph, pkg: string, slot: string | undefined): Extract<NetworkNode, { kind: 'pods' }>[] {
  return [...((indexOf(graph).podsOf.get(packageKey(pkg, slot)) ?? []) as Extract<NetworkNode, { kind: 'pods' }>[])];
}

/** The edges into a node, in the graph's order. */
export function edgesInto(graph: NetworkGraph, id: string): readonly NetworkEdge[] {
  return indexOf(graph).into.get(id) ?? [];
}

/** The edges out of a node, in the graph's order. */
export function edgesOutOf(graph: NetworkGraph, id: string): readonly NetworkEdge[] {
  return indexOf(graph).outOf.get(id) ?? [];
}
