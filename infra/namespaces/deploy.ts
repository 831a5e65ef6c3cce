import { defineClusterPackage, KEEP_ON_PRUNE, MESH_CONTROL_PLANE, slotNamespace, type ClusterPackageContext } from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';

export default defineClusterPackage({
  name: 'namespaces',
  team: 'platform',
  description:
    'The platform namespace, and one per blue-green slot, each with Pod Security "restricted", quota, default limits, default-deny and mesh enrolment.',
  build: (root, ctx) => {
    // The slots' namespaces are set up like the platform's: one set of rules for every namespace.
    const slots = (ctx.env.slots?.names ?? []).map((slot) => slotNamespace(ctx.env, slot));
    for (const namespace of [ctx.env.namespace, ...slots]) {
      platformNamespace(namespace === ctx.env.namespace ? root : new Construct(root, namespace), namespace, ctx);
    }
  },
});

/** A namespace of the platform with its rules. */
function platformNamespace(scope: Construct, namespace: string, ctx: ClusterPackageContext): void {
  const mesh = ctx.env.capabilities.serviceMesh;
  const meta = (name: string) => ({ name, namespace, labels: { ...ctx.labels } });
  const pss = Object.fromEntries(
    ['enforce', 'audit', 'warn'].flatMap((mode) => [
      [`pod-security.kubernetes.io/${mode}`, 'restricted'],
      [`pod-security.kubernetes.io/${mode}-version`, 'v1.28'],
    ]),
  );
  new k8s.KubeNamespace(scope, 'Namespace', {
    metadata: {
      name: namespace,
      labels: { ...ctx.labels, ...pss, ...(mesh === 'istio' ? { 'istio-injection': 'enabled' } : {}) },
      // Never deleted with its Application or Kustomization: everything in it would go too.
      annotations: { ...KEEP_ON_PRUNE, ...(mesh === 'linkerd' ? { 'linkerd.io/inject': 'enabled' } : {}) },
    },
  });
  const q = ctx.env.quota;
  new k8s.KubeResourceQuota(scope, 'Quota', {
    metadata: meta('platform'),
    spec: {
      hard: {
        'requests.cpu': k8s.Quantity.fromString(q.requestsCpu),
        'requests.memory': k8s.Quantity.fromString(q.requestsMemory),
        'limits.cpu': k8s.Quantity.fromString(q.limitsCpu),
        'limits.memory': k8s.Quantity.fromString(q.limitsMemory),
        pods: k8s.Quantity.fromNumber(q.pods),
        persistentvolumeclaims: k8s.Quantity.fromNumber(q.persistentVolumeClaims),
      },
    },
  });
  // Operator-made containers without resources still get some, so the quota can admit them.
  new k8s.KubeLimitRange(scope, 'Limits', {
    metadata: meta('container-defaults'),
    spec: {
      limits: [
        {
          type: 'Container',
          defaultRequest: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
          default: { cpu: k8s.Quantity.fromString('500m'), memory: k8s.Quantity.fromString('256Mi') },
          max: { memory: k8s.Quantity.fromString('16Gi') },
        },
      ],
    },
  });
  new k8s.KubeNetworkPolicy(scope, 'DefaultDeny', {
    metadata: meta('default-deny'),
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
  });
  const tcpUdp = (port: number) => [
    { protocol: 'UDP', port: k8s.IntOrString.fromNumber(port) },
    { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) },
  ];
  const namespaceOf = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
  new k8s.KubeNetworkPolicy(scope, 'Dns', {
    metadata: meta('allow-dns'),
    spec: {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ...namespaceOf('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: tcpUdp(53) }],
    },
  });
  if (mesh !== 'none') {
    const cp = MESH_CONTROL_PLANE[mesh];
    new k8s.KubeNetworkPolicy(scope, 'MeshControlPlane', {
      metadata: meta('allow-mesh-control-plane'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [namespaceOf(cp.namespace)],
            ports: cp.ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
          },
        ],
      },
    });
  }
  if (mesh === 'istio') {
    new ApiObject(scope, 'StrictMtls', {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: meta('default'),
      spec: { mtls: { mode: 'STRICT' } },
    });
  }
}
