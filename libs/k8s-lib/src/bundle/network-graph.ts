import type { Environment } from '../config/environment';
import { resolveStore, type StoreNetwork } from '../config/store';
import { selectorLabels } from '../blueprints/labels';
import { dependenciesOf, type Workspace } from './workspace';

/**
 * The network graph of one environment, derived from what packages declare (dependsOn, ports, store
 * network needs). It is the single source of the NetworkPolicies, the Istio AuthorizationPolicies and
 * the diagram in each bundle: an undeclared path is closed.
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
    }
  | { readonly kind: 'namespace'; readonly id: string; readonly namespace: string }
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

function storeNetwork(
  ws: Workspace,
  env: Environment,
  name: string,
): { net: StoreNetwork; labels: Record<string, string>; clientPorts: number[] } | undefined {
  const pkg = ws.packages.get(name);
  if (pkg?.definition.kind !== 'store') return undefined;
  const ctx = resolveStore(pkg.definition.spec, env, pkg.file);
  const net = pkg.definition.spec.network?.(ctx) ?? {};
  return { net, labels: { ...(net.podLabels ?? ctx.selector) }, clientPorts: [...(net.clientPorts ?? [pkg.definition.spec.port])] };
}

export function networkGraph(ws: Workspace, env: Environment): NetworkGraph {
  const nodes = new Map<string, NetworkNode>();
  const edges: NetworkEdge[] = [];
  const edge = (from: string, to: string, ports: readonly number[]) => {
    if (ports.length > 0) edges.push({ from, to, ports: [...new Set(ports)].sort((a, b) => a - b) });
  };
  const namespaceNode = (id: string, namespace: string) => nodes.set(id, { kind: 'namespace', id, namespace });

  /** Ports a package's pods serve to its consumers. */
  const servedPorts = new Map<string, number[]>();
  for (const [name, pkg] of ws.packages) {
    const def = pkg.definition;
    if (def.kind === 'web-service' || def.kind === 'frontend') {
      nodes.set(name, { kind: 'pods', id: name, labels: selectorLabels(name), pkg: name, serviceAccount: name });
      servedPorts.set(name, [def.kind === 'web-service' ? def.spec.ports.http! : 8080]);
    } else if (def.kind === 'store') {
      const s = storeNetwork(ws, env, name)!;
      nodes.set(name, { kind: 'pods', id: name, labels: s.labels, pkg: name, serviceAccount: s.net.serviceAccount ?? name });
      servedPorts.set(name, s.clientPorts);
      const backupPorts = [...(s.net.backupPorts ?? s.clientPorts)];
      if (backupPorts.length > 0) {
        const backup = `${name}-backup`;
        nodes.set(backup, { kind: 'pods', id: backup, labels: selectorLabels(backup), pkg: name, serviceAccount: backup });
        edge(backup, name, backupPorts);
      }
      edge(name, name, [...(s.net.peerPorts ?? [])]);
      if (s.net.operator) {
        const id = `operator:${s.net.operator.namespace}`;
        namespaceNode(id, s.net.operator.namespace);
        edge(id, name, [...s.net.operator.ports]);
      }
      if (s.net.apiServer) {
        nodes.set('kube-apiserver', { kind: 'ip', id: 'kube-apiserver', cidr: env.network.apiServer.cidr });
        edge(name, 'kube-apiserver', [env.network.apiServer.port]);
      }
      if (s.net.objectStore) {
        nodes.set('object-store', { kind: 'ip', id: 'object-store', cidr: env.network.objectStore.cidr });
        edge(name, 'object-store', [env.network.objectStore.port]);
      }
    }
  }
  namespaceNode('ingress', env.network.ingressNamespace);
  namespaceNode('monitoring', env.network.monitoringNamespace);
  for (const [name, pkg] of ws.packages) {
    const def = pkg.definition;
    if (def.kind === 'frontend' || (def.kind === 'web-service' && def.spec.component === 'api-gateway'))
      edge('ingress', name, servedPorts.get(name)!);
    if (def.kind === 'web-service' && def.spec.ports.metrics) edge('monitoring', name, [def.spec.ports.metrics]);
    if (def.kind === 'cluster') continue;
    for (const dep of dependenciesOf(def)) if (servedPorts.has(dep)) edge(name, dep, servedPorts.get(dep)!);
  }
  return { nodes, edges };
}

/** Mermaid flowchart of the graph, for the bundle. */
export function renderMermaid(graph: NetworkGraph, envName: string): string {
  const id = (n: string) => n.replace(/[^A-Za-z0-9_]/g, '_');
  const label = (n: NetworkNode) => (n.kind === 'namespace' ? `namespace ${n.namespace}` : n.kind === 'ip' ? `${n.id} ${n.cidr}` : n.id);
  const lines = [
    `# Network graph: ${envName}`,
    '',
    "Generated by b2connect-deploy from the packages' `dependsOn` and ports. Every arrow is an allowed",
    'connection (NetworkPolicy ingress on the target and egress on the source); anything else is denied.',
    'Every pod may also resolve names through kube-dns.',
    '',
    '```mermaid',
    'flowchart LR',
  ];
  const used = new Set(graph.edges.flatMap((e) => [e.from, e.to]));
  for (const n of [...graph.nodes.values()].filter((n) => used.has(n.id)).sort((a, b) => (a.id < b.id ? -1 : 1))) {
    lines.push(n.kind === 'pods' ? `  ${id(n.id)}[${label(n)}]` : `  ${id(n.id)}([${label(n)}])`);
  }
  for (const e of [...graph.edges].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1)))
    lines.push(`  ${id(e.from)} -->|${e.ports.join(',')}| ${id(e.to)}`);
  lines.push('```', '');
  return lines.join('\n');
}
