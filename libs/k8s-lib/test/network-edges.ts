import type { KubeObject } from '../src/check/validate';

/** Canonical edges `from -> to :ports` read back from NetworkPolicies (ingress and egress rules). */
export function edgesFromPolicies(objects: readonly KubeObject[]): { ingress: Set<string>; egress: Set<string> } {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
  const specific = policies.filter((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length > 0);
  const nameOf = (labels: Record<string, string>) => {
    const hit = specific.find((p) => JSON.stringify(p.spec.podSelector.matchLabels) === JSON.stringify(labels));
    return hit ? `pods:${hit.metadata.name}` : `pods:?${JSON.stringify(labels)}`;
  };
  const peer = (p: any) =>
    p.podSelector
      ? nameOf(p.podSelector.matchLabels)
      : p.namespaceSelector
        ? `ns:${p.namespaceSelector.matchLabels['kubernetes.io/metadata.name']}`
        : `ip:${p.ipBlock.cidr}`;
  const ports = (r: any) => (r.ports ?? []).map((x: any) => x.port).join(',');
  const ingress = new Set<string>();
  const egress = new Set<string>();
  for (const p of specific) {
    for (const r of p.spec.ingress ?? []) for (const f of r.from) ingress.add(`${peer(f)} -> pods:${p.metadata.name} :${ports(r)}`);
    for (const r of p.spec.egress ?? []) for (const t of r.to) egress.add(`pods:${p.metadata.name} -> ${peer(t)} :${ports(r)}`);
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
