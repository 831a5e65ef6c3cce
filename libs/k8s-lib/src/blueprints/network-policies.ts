import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { edgesInto, edgesOutOf, podsOfPackage, type NetworkGraph, type NetworkNode } from './network';

export interface PackageNetworkPoliciesProps {
  /** The environment's network graph. */
  readonly graph: NetworkGraph;
  /** The package whose pods (and backup pods) get policies. */
  readonly pkg: string;
  /** The slot being built (blue-green): the package's pods of that slot. @default - the package's unslotted pods */
  readonly slot?: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** `node` as seen from pods in namespace `own`: pods of another namespace (another slot, the shared stores) by both selectors. */
function peer(node: NetworkNode, own: string | undefined): k8s.NetworkPolicyPeer {
  if (node.kind === 'pods') {
    const podSelector = { matchLabels: { ...node.labels } };
    if (node.namespace === undefined || node.namespace === own) return { podSelector };
    return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': node.namespace } }, podSelector };
  }
  if (node.kind === 'namespace') return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': node.namespace } } };
  return { ipBlock: { cidr: node.cidr } };
}

const ports = (list: readonly number[]) => list.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }));

/**
 * One NetworkPolicy per group of pods of a package, straight from the network graph: ingress from every
 * node with an edge to them, egress to every node they have an edge to. The namespace's default-deny
 * (infra/namespaces) closes everything else.
 */
export class PackageNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: PackageNetworkPoliciesProps) {
    super(scope, id);
    const own = podsOfPackage(props.graph, props.pkg, props.slot);
    for (const node of own.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (node.kind !== 'pods') continue;
      const inbound = edgesInto(props.graph, node.id);
      const outbound = edgesOutOf(props.graph, node.id);
      const at = (id: string) => peer(props.graph.nodes.get(id)!, node.namespace);
      new k8s.KubeNetworkPolicy(this, node.id, {
        metadata: { name: node.name ?? node.id, labels: { ...props.labels } },
        spec: {
          podSelector: { matchLabels: { ...node.labels } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: inbound.map((e) => ({ from: [at(e.from)], ports: ports(e.ports) })),
          egress: outbound.map((e) => ({ to: [at(e.to)], ports: ports(e.ports) })),
        },
      });
    }
  }
}
