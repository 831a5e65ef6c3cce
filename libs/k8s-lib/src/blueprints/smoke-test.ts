import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import { selectorLabels } from '../labels';
import { imageTag, MESH_CONTROL_PLANE, unpinnedImage } from '../rules';
import { containerResources, restrictedPodSecurityContext, restrictedSecurityContext } from './pod-rules';
import type { ResourceSpec } from '../config/sizes';

/** The user (and group) the smoke tests run as. */
export const SMOKE_TEST_USER = 10001;

export interface SmokeTestProps {
  /** Name of the Job, its ServiceAccount and its NetworkPolicy. @default 'smoke-test' */
  readonly name?: string;
  /** Namespace the Job runs in. */
  readonly namespace: string;
  /** Full image reference with a pinned tag. */
  readonly image: string;
  readonly command: readonly string[];
  /** The slot under test, passed as SMOKE_TEST_SLOT. */
  readonly slot: string;
  /** What the tests call, passed as `SMOKE_TEST_<KEY>_URL` (for example `API` -> http://api-gateway.b2connect-green.svc:80). */
  readonly targets: Readonly<Record<string, string>>;
  /** Ports the tests reach (the Services' target ports), for the Job's egress. */
  readonly ports: readonly number[];
  /** Namespace of the targets, for the Job's egress. */
  readonly targetNamespace: string;
  /** How long the tests may run before the Job fails. @default 600 */
  readonly timeoutSeconds?: number;
  readonly resources: ResourceSpec;
  /**
   * The mesh the Job's namespace is enrolled in: its proxy needs the mesh's control plane, so the
   * egress opens it too. @default 'none'
   */
  readonly mesh?: keyof typeof MESH_CONTROL_PLANE | 'none';
  /** Pod annotations (a mesh's native sidecar, so that the Job completes). @default {} */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * A Job that tests a slot before the ingress switches to it: restricted like every pod, its own
 * ServiceAccount without a token, and a NetworkPolicy that lets it reach the slot's public Services,
 * the cluster DNS and, in a mesh, the mesh's control plane, and nothing else (its namespace, the
 * ingress controller's, has no allow-dns policy of its own). As an Argo CD PreSync hook of the ingress package it runs before the Ingress
 * changes, and a failure stops the sync: the switch does not happen (docs/blue-green.md).
 */
export class SmokeTest extends Construct {
  public readonly name: string;
  public readonly job: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: SmokeTestProps) {
    super(scope, id);
    if (unpinnedImage(props.image) || imageTag(props.image) === undefined) {
      throw new Error(`SmokeTest: image "${props.image}" must carry a pinned tag (not "latest")`);
    }
    this.name = props.name ?? 'smoke-test';
    const mesh = props.mesh ?? 'none';
    const namespaceOf = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const labels = { ...props.labels, ...selectorLabels(this.name) };
    const meta = { name: this.name, namespace: props.namespace, labels };
    new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata: meta, automountServiceAccountToken: false });
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: meta,
      spec: {
        podSelector: { matchLabels: selectorLabels(this.name) },
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: [namespaceOf(props.targetNamespace)],
            ports: [...new Set(props.ports)].sort((a, b) => a - b).map(tcp),
          },
          {
            to: [{ ...namespaceOf('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, tcp(53)],
          },
          ...(mesh === 'none'
            ? []
            : [{ to: [namespaceOf(MESH_CONTROL_PLANE[mesh].namespace)], ports: MESH_CONTROL_PLANE[mesh].ports.map(tcp) }]),
        ],
      },
    });
    const hook = {
      'argocd.argoproj.io/hook': 'PreSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      // Flux and kubectl replace the Job when a new slot or image changes it.
      'kustomize.toolkit.fluxcd.io/force': 'enabled',
    };
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { ...meta, annotations: hook },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: props.timeoutSeconds ?? 600,
        template: {
          metadata: {
            labels,
            ...(props.podAnnotations && Object.keys(props.podAnnotations).length > 0 ? { annotations: { ...props.podAnnotations } } : {}),
          },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: this.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(SMOKE_TEST_USER),
            containers: [
              {
                name: 'smoke-test',
                image: props.image,
                command: [...props.command],
                env: [
                  { name: 'SMOKE_TEST_SLOT', value: props.slot },
                  ...Object.keys(props.targets)
                    .sort()
                    .map((key) => ({ name: `SMOKE_TEST_${key}_URL`, value: props.targets[key]! })),
                ],
                resources: containerResources(props.resources),
                securityContext: restrictedSecurityContext(SMOKE_TEST_USER),
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
  }
}
