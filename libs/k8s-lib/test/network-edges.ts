import type { KubeObject } from '../src/check/validate';

/**
 * Canonical edges `from -> to :ports` read back from NetworkPolicies (ingress and egress rules) of the
 * platform namespace `home` and its blue-green slots (`<home>-<slot>`, whose pods are `name@slot`, as
 * the graph names them). Policies of other namespaces are not the graph's and are left out.
 */
export function edgesFromPolicies(objects: readonly KubeObject[], home = 'b2connect'): { ingress: Set<string>; egress: Set<string> } {
  const slotOf = (ns: string | undefined) =>
    ns === undefined || ns === home ? '' : ns.startsWith(`${home}-`) ? `@${ns.slice(home.length + 1)}` : undefined;
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && slotOf(o.metadata.namespace) !== undefined) as any[];
  const specific = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0);
  const id = (p: any) => `pods:${p.metadata.name}${slotOf(p.metadata.namespace)}`;
  const nameOf = (labels: Record<string, string>, ns: string | undefined) => {
    const hit = specific.find(
      (p) => JSON.stringify(p.spec.podSelector.matchLabels) === JSON.stringify(labels) && slotOf(p.metadata.namespace) === slotOf(ns),
    );
    return hit ? id(hit) : `pods:?${JSON.stringify(labels)}`;
  };
  const peer = (p: any, own: string | undefined) =>
    p.podSelector
      ? nameOf(p.podSelector.matchLabels, p.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] ?? own)
      : p.namespaceSelector
        ? `ns:${p.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`
        : `ip:${p.ipBlock.cidr}`;
  const ports = (r: any) => (r.ports ?? []).map((x: any) => x.port).join(',');
  const ingress = new Set<string>();
  const egress = new Set<string>();
  for (const p of specific) {
    const own = p.metadata.namespace;
    for (const r of p.spec.ingress ?? []) for (const f of r.from) ingress.add(`${peer(f, own)} -> ${id(p)} :${ports(r)}`);
    for (const r of p.spec.egress ?? []) for (const t of r.to) egress.add(`${id(p)} -> ${peer(t, own)} :${ports(r)}`);
  }
  return { ingress, egress };
}

/** The same canonical edges read from the Mermaid diagram. */
export function edgesFromMermaid(markdown: string): Set<string> {
  const labels = new Map<string, string>();
  for (const m of markdown.matchAll(/^ {2}(\w+)\(?\[(.+?)\]\)?$/gm)) {
    const text = m[2]!;
    labels.set(
      m[1]!,
      text.startsWith('namespace ')
        ? `ns:${text.slice(10)}`
        : / \d+\.\d+\.\d+\.\d+\/\d+$/.test(text)
          ? `ip:${text.split(' ')[1]}`
          : `pods:${text}`,
    );
  }
  const edges = new Set<string>();
  for (const m of markdown.matchAll(/^ {2}(\w+) -->\|([\d,]+)\| (\w+)$/gm))
    edges.add(`${labels.get(m[1]!)} -> ${labels.get(m[3]!)} :${m[2]}`);
  return edges;
}
