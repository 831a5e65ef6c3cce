import { KEEP_ON_PRUNE, MESH_CONTROL_PLANE, NODE_LOG_COLLECTOR, type ClusterPackageContext } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

/**
 * Fluent Bit alone: the one namespace of the platform that enforces Pod Security "privileged"
 * (docs/decisions/016), named where the policy gate reads it.
 */
export const COLLECTOR_NAMESPACE = NODE_LOG_COLLECTOR.namespace;
/** Kibana, the index setup and the OpenTelemetry collector: restricted like the platform namespace. */
export const OBSERVABILITY_NAMESPACE = 'observability';

export type PodSecurityLevel = 'privileged' | 'restricted';

/**
 * The pod annotations that keep a mesh's proxy out of a pod, whatever its namespace says: the collector's
 * namespace admits no proxy (its init container adds NET_ADMIN and NET_RAW and runs as root, which the
 * collector's admission policy refuses).
 */
export const MESH_INJECTION_OFF: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  istio: { 'sidecar.istio.io/inject': 'false' },
  linkerd: { 'linkerd.io/inject': 'disabled' },
  none: {},
};

const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
export const ports = (...list: readonly number[]) => list.map(tcp);
export const namespaceOf = (name: string): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});

/**
 * A namespace of the package: Pod Security `enforce` at `level`, audited and warned at "restricted" so
 * that anything beyond restricted shows on every apply and in the audit log; default deny both ways,
 * DNS allowed. `meshed`: enrolled in the environment's mesh, the mesh control plane allowed; otherwise
 * injection is off (`istio-injection: disabled`, `linkerd.io/inject: disabled`) and its pods call in plain text.
 */
export function packageNamespace(
  scope: Construct,
  ctx: ClusterPackageContext,
  name: string,
  level: PodSecurityLevel,
  options: { readonly meshed: boolean },
): void {
  const mesh = ctx.env.capabilities.serviceMesh;
  const injection = options.meshed ? 'enabled' : 'disabled';
  const id = (part: string) => `${name}-${part}`;
  // Named after the namespace: a package's objects of one kind have distinct names, whatever their namespace.
  const meta = (policy: string) => ({ name: `${name}-${policy}`, namespace: name, labels: { ...ctx.labels } });
  new k8s.KubeNamespace(scope, id('namespace'), {
    metadata: {
      name,
      labels: {
        ...ctx.labels,
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'v1.28',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'v1.28',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.28',
        ...(mesh === 'istio' ? { 'istio-injection': injection } : {}),
      },
      annotations: { ...KEEP_ON_PRUNE, ...(mesh === 'linkerd' ? { 'linkerd.io/inject': injection } : {}) },
    },
  });
  new k8s.KubeNetworkPolicy(scope, id('default-deny'), {
    metadata: meta('default-deny'),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  new k8s.KubeNetworkPolicy(scope, id('dns'), {
    metadata: meta('allow-dns'),
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ...namespaceOf('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
          ports: [
            { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
            { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
          ],
        },
      ],
    },
  });
  if (mesh !== 'none' && options.meshed) {
    const cp = MESH_CONTROL_PLANE[mesh];
    new k8s.KubeNetworkPolicy(scope, id('mesh-control-plane'), {
      metadata: meta('allow-mesh-control-plane'),
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [namespaceOf(cp.namespace)], ports: ports(...cp.ports) }] },
    });
  }
}
