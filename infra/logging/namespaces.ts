import { KEEP_ON_PRUNE, MESH_CONTROL_PLANE, type ClusterPackageContext } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';

/** Fluent Bit alone: the one namespace of the platform that enforces Pod Security "privileged" (docs/decisions/016). */
export const COLLECTOR_NAMESPACE = 'log-collector';
/** Kibana, the index setup and the OpenTelemetry collector: restricted like the platform namespace. */
export const OBSERVABILITY_NAMESPACE = 'observability';

export type PodSecurityLevel = 'privileged' | 'restricted';

const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
export const ports = (...list: readonly number[]) => list.map(tcp);
export const namespaceOf = (name: string): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});

/**
 * A namespace of the package: Pod Security `enforce` at `level`, audited and warned at "restricted" so
 * that anything beyond restricted shows on every apply and in the audit log; enrolled in the
 * environment's mesh (the platform's Elasticsearch admits mesh identities only under Istio); default
 * deny both ways, DNS and the mesh control plane allowed.
 */
export function packageNamespace(scope: Construct, ctx: ClusterPackageContext, name: string, level: PodSecurityLevel): void {
  const mesh = ctx.env.capabilities.serviceMesh;
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
        ...(mesh === 'istio' ? { 'istio-injection': 'enabled' } : {}),
      },
      annotations: { ...KEEP_ON_PRUNE, ...(mesh === 'linkerd' ? { 'linkerd.io/inject': 'enabled' } : {}) },
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
  if (mesh !== 'none') {
    const cp = MESH_CONTROL_PLANE[mesh];
    new k8s.KubeNetworkPolicy(scope, id('mesh-control-plane'), {
      metadata: meta('allow-mesh-control-plane'),
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [namespaceOf(cp.namespace)], ports: ports(...cp.ports) }] },
    });
  }
}
