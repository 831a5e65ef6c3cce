import { ConfigError } from '../errors';
import { slotNamespace, type Environment } from '../config/environment';
import { dependenciesOf, type Workspace } from '../load/workspace';
import type { NetworkEdge, NetworkGraph, NetworkNode } from '../blueprints/network';
import type { NetworkBuilder, ResolvedEnvironment, ResolvedPackage } from '../kinds/kind';
import { featuresOf, kindOf } from '../kinds/registry';

/**
 * The resolve stage: every package of the workspace in one environment, resolved once by its kind
 * (effective config, settings, store contexts), what it gives the packages that depend on it, and the
 * environment's network graph. The synthesizer and the checks read only this model. Every package's
 * problem is reported (`errors`); a package that fails to resolve is left out of the model.
 */
export function resolveEnvironment(ws: Workspace, env: Environment): { model: ResolvedEnvironment; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const packages = new Map<string, ResolvedPackage>();
  const nodes = new Map<string, NetworkNode>();
  const edges: NetworkEdge[] = [];
  const edge = (from: string, to: string, ports: readonly number[]) => {
    if (ports.length > 0) edges.push({ from, to, ports: [...new Set(ports)].sort((a, b) => a - b) });
  };
  const builder = (pkg: string): NetworkBuilder => ({
    pods: (id, labels, serviceAccount) => nodes.set(id, { kind: 'pods', id, labels: { ...labels }, pkg, serviceAccount }),
    namespace: (id, namespace, options) =>
      nodes.set(id, { kind: 'namespace', id, namespace, ...(options?.outsideMesh ? { outsideMesh: true as const } : {}) }),
    ip: (id, cidr) => nodes.set(id, { kind: 'ip', id, cidr }),
    edge,
  });

  for (const [name, pkg] of ws.packages) {
    const kind = kindOf(pkg.definition);
    const spec = pkg.definition.spec;
    try {
      const resolved = kind.resolve(pkg, spec, env);
      const ctx = { pkg, spec, env, resolved };
      const network = kind.network?.(ctx, builder(name));
      packages.set(name, { pkg, kind, spec, resolved, network, endpoint: kind.endpoint?.(ctx) });
    } catch (e) {
      errors.push(asConfigError(e, pkg.file, env));
    }
  }

  nodes.set('ingress', { kind: 'namespace', id: 'ingress', namespace: env.network.ingressNamespace });
  nodes.set('monitoring', { kind: 'namespace', id: 'monitoring', namespace: env.network.monitoringNamespace });
  for (const [name, p] of packages) {
    if (!p.network) continue;
    if (p.network.public) edge('ingress', name, p.network.served);
    if (p.network.metricsPort) edge('monitoring', name, [p.network.metricsPort]);
    for (const call of p.network.calls ?? []) {
      const served = packages.get(call.to)?.network?.served ?? [];
      if (served.length > 0) edge(call.from, call.to, served);
      else {
        const known = [...packages].filter(([, q]) => (q.network?.served ?? []).length > 0).map(([n]) => n);
        errors.push(
          new ConfigError(p.pkg.file, [
            {
              path: 'clients',
              message: `[${env.name}] "${call.to}" is not a package that serves a port (known: ${known.sort().join(', ')})`,
            },
          ]),
        );
      }
    }
    if (p.network.consumes === false) continue;
    for (const dep of dependenciesOf(p.pkg.definition)) {
      const served = packages.get(dep)?.network?.served;
      if (served) edge(name, dep, served);
    }
    for (const { feature, value } of featuresOf(p.kind, p.spec)) {
      try {
        feature.network?.({ pkg: p.pkg, spec: p.spec, env, resolved: p.resolved, value }, { packages }, builder(name));
      } catch (e) {
        errors.push(asConfigError(e, p.pkg.file, env));
      }
    }
  }
  const slotted = new Set([...packages].filter(([, p]) => p.kind.slotted).map(([name]) => name));
  const graph = env.slots ? inSlots({ nodes, edges }, slotted, env) : { nodes, edges };
  return { model: { env, workspace: ws, packages, graph }, errors };
}

/**
 * The graph of an environment with slots, from the graph its packages declared: every group of pods
 * of a slotted (stateless) package once per slot, in the slot's namespace; every edge between two
 * of them once per slot, inside the slot; every edge between one of them and a shared party (a store,
 * the ingress controller, Prometheus) once per slot. So each slot's services reach the shared stores
 * and each other within their slot, and nothing else changes.
 */
export function inSlots(graph: NetworkGraph, slotted: ReadonlySet<string>, env: Environment): NetworkGraph {
  const slots = env.slots?.names ?? [];
  const isSlotted = (id: string) => {
    const node = graph.nodes.get(id);
    return node?.kind === 'pods' && slotted.has(node.pkg);
  };
  const inSlot = (id: string, slot: string) => (isSlotted(id) ? `${id}@${slot}` : id);
  const nodes = new Map<string, NetworkNode>();
  for (const [id, node] of graph.nodes) {
    if (node.kind !== 'pods') nodes.set(id, node);
    else if (!isSlotted(id)) nodes.set(id, { ...node, namespace: env.namespace });
    else {
      for (const slot of slots) {
        nodes.set(inSlot(id, slot), { ...node, id: inSlot(id, slot), name: id, slot, namespace: slotNamespace(env, slot) });
      }
    }
  }
  const edges = graph.edges.flatMap((e) =>
    isSlotted(e.from) || isSlotted(e.to) ? slots.map((slot) => ({ ...e, from: inSlot(e.from, slot), to: inSlot(e.to, slot) })) : [e],
  );
  return { nodes, edges };
}

/** A kind's error as the file's: a ConfigError as it is, anything else with the environment it happened in. */
export function asConfigError(e: unknown, file: string, env: Environment): ConfigError {
  if (e instanceof ConfigError) return e;
  return new ConfigError(file, [{ path: '', message: `[${env.name}] ${(e as Error).message}` }]);
}
