import { describe, expect, it } from 'vitest';
import { edgesInto, edgesOutOf, podsOfPackage, type NetworkEdge, type NetworkGraph, type NetworkNode } from './network';

const pods = (id: string, pkg: string, slot?: string): NetworkNode => ({
  kind: 'pods',
  id,
  pkg,
  labels: { app: id },
  serviceAccount: id,
  ...(slot ? { slot } : {}),
});

describe('network graph lookups', () => {
  const nodes: NetworkNode[] = [
    pods('orders', 'orders'),
    pods('orders-migrations', 'orders'),
    pods('web-blue', 'web', 'blue'),
    pods('web-green', 'web', 'green'),
    pods('db', 'db'),
    { kind: 'namespace', id: 'ns-monitoring', namespace: 'monitoring' },
  ];
  const edges: NetworkEdge[] = [
    { from: 'web-blue', to: 'orders', ports: [8080] },
    { from: 'orders', to: 'db', ports: [5432] },
    { from: 'ns-monitoring', to: 'orders', ports: [9090] },
    { from: 'orders-migrations', to: 'db', ports: [5432] },
    { from: 'web-green', to: 'orders', ports: [8080] },
  ];
  const graph: NetworkGraph = { nodes: new Map(nodes.map((n) => [n.id, n])), edges };

  it('gives the pods of a package as a scan does: unslotted ones without a slot, a slot’s with it', () => {
    for (const [pkg, slot] of [['orders'], ['web'], ['web', 'blue'], ['web', 'green'], ['nope']] as [string, string?][]) {
      const scanned = nodes.filter((n) => n.kind === 'pods' && n.pkg === pkg && n.slot === slot);
      expect(podsOfPackage(graph, pkg, slot), `${pkg} ${slot}`).toEqual(scanned);
    }
  });

  it('gives the edges into and out of a node in the graph’s order, as a scan does', () => {
    for (const n of nodes) {
      expect(edgesInto(graph, n.id)).toEqual(edges.filter((e) => e.to === n.id));
      expect(edgesOutOf(graph, n.id)).toEqual(edges.filter((e) => e.from === n.id));
    }
  });

  it('returns a list the caller may sort without changing the next answer', () => {
    podsOfPackage(graph, 'orders', undefined).reverse();
    expect(podsOfPackage(graph, 'orders', undefined).map((n) => n.id)).toEqual(['orders', 'orders-migrations']);
  });
});
