import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { edgesInto, podsOfPackage, type NetworkGraph } from './network';

export interface MeshPoliciesProps {
  readonly graph: NetworkGraph;
  readonly pkg: string;
  /** The slot being built (blue-green). @default - the package's unslotted pods */
  readonly slot?: string;
  /** Namespace of the package's Services (the slot's, when building a slot). */
  readonly namespace: string;
  /** Services of the package that get a DestinationRule. */
  readonly services: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Istio policies of a package, from the same graph as its NetworkPolicies: an ALLOW AuthorizationPolicy
 * per group of pods (callers by mesh identity or namespace, on the edge's ports; anything else is denied
 * once a policy selects the pods), and a DestinationRule per Service (mutual TLS, outlier detection).
 * Where a caller is a namespace outside the mesh (a cluster package's client with `outsideMesh`), its
 * rule admits callers without a mesh identity (`notPrincipals: ["*"]`) on the edge's ports, and a
 * PeerAuthentication of the pods accepts plain text on those ports alone (port-level PERMISSIVE,
 * STRICT otherwise): mutual TLS cannot name a caller that has no identity, so its NetworkPolicy is what
 * restricts the source to that namespace.
 */
export class MeshPolicies extends Construct {
  constructor(scope: Construct, id: string, props: MeshPoliciesProps) {
    super(scope, id);
    const own = podsOfPackage(props.graph, props.pkg, props.slot);
    for (const node of own.sort((a, b) => (a.id < b.id ? -1 : 1))) {
      if (node.kind !== 'pods') continue;
      const incoming = edgesInto(props.graph, node.id);
      const seen = new Set<string>();
      const rules = incoming
        .flatMap((e) => {
          const from = props.graph.nodes.get(e.from)!;
          const source =
            from.kind === 'pods'
              ? { principals: [`cluster.local/ns/${from.namespace ?? props.namespace}/sa/${from.serviceAccount}`] }
              : from.kind === 'namespace'
                ? // A caller outside the mesh has no identity: only "no principal" matches it (the NetworkPolicy names its namespace).
                  from.outsideMesh
                  ? { notPrincipals: ['*'] }
                  : { namespaces: [from.namespace] }
                : undefined;
          return source ? [{ from: [{ source }], to: [{ operation: { ports: e.ports.map(String) } }] }] : [];
        })
        // Two groups of pods with one identity (a service and its migrations) need one rule: the first is kept.
        .filter((rule) => {
          const key = JSON.stringify(rule);
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      new ApiObject(this, `Authz-${node.id}`, {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: node.name ?? node.id, labels: { ...props.labels } },
        spec: { selector: { matchLabels: { ...node.labels } }, action: 'ALLOW', rules },
      });
      // Plain text from callers outside the mesh, on the ports of their edges alone; mutual TLS everywhere else.
      const plaintextPorts = [
        ...new Set(
          incoming
            .filter((e) => {
              const from = props.graph.nodes.get(e.from)!;
              return from.kind === 'namespace' && from.outsideMesh === true;
            })
            .flatMap((e) => e.ports),
        ),
      ].sort((a, b) => a - b);
      if (plaintextPorts.length > 0) {
        new ApiObject(this, `Peer-${node.id}`, {
          apiVersion: 'security.istio.io/v1',
          kind: 'PeerAuthentication',
          metadata: { name: `${node.id}-plaintext-ports`, labels: { ...props.labels } },
          spec: {
            selector: { matchLabels: { ...node.labels } },
            mtls: { mode: 'STRICT' },
            portLevelMtls: Object.fromEntries(plaintextPorts.map((port) => [String(port), { mode: 'PERMISSIVE' }])),
          },
        });
      }
    }
    for (const service of props.services) {
      new ApiObject(this, `Destination-${service}`, {
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        metadata: { name: service, labels: { ...props.labels } },
        spec: {
          host: `${service}.${props.namespace}.svc.cluster.local`,
          trafficPolicy: {
            tls: { mode: 'ISTIO_MUTUAL' },
            outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
          },
        },
      });
    }
  }
}
