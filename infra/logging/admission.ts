import type { ClusterPackageContext } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { NODE_LOG_DIR } from './fluent-bit';

/** Every container of a pod, init and ephemeral ones included, as a CEL list expression. */
const ALL_CONTAINERS =
  'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []) + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])';
/** The names of the pod's hostPath volumes, as a CEL list expression. */
const HOST_VOLUMES = '(has(object.spec.volumes) ? object.spec.volumes.filter(v, has(v.hostPath)).map(v, v.name) : [])';

/** The SELinux types of Pod Security "baseline": a container's own, an init container's, a KVM one. */
export const ALLOWED_SELINUX_TYPES = ['container_t', 'container_init_t', 'container_kvm_t'];
/** The sysctls Pod Security "baseline" (v1.28) calls safe: namespaced, and isolated from the node. */
export const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
];
/** The AppArmor annotation of a container (Kubernetes 1.28: the field came in 1.30). */
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

const list = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;

export interface Validation {
  readonly expression: string;
  readonly message: string;
}

/**
 * What the privileged namespace still refuses, in the cluster, whoever creates the pod: Pod Security
 * "privileged" enforces nothing, so these put back everything of "restricted" a log collector does not
 * need (decision 016). The policy gate checks the same before the bundle is written.
 */
export function collectorValidations(): Validation[] {
  const sc = (field: string) => `has(c.securityContext) && has(c.securityContext.${field})`;
  const podSc = (field: string) => `has(object.spec.securityContext) && has(object.spec.securityContext.${field})`;
  /** SELinux options `o` (pod or container) within baseline: no user or role, a container type. */
  const seLinux = (o: string) =>
    `(!has(${o}.type) || ${o}.type in ${list(ALLOWED_SELINUX_TYPES)}) && (!has(${o}.user) || ${o}.user == '') && (!has(${o}.role) || ${o}.role == '')`;
  return [
    {
      expression: `!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath) || v.hostPath.path == '${NODE_LOG_DIR}')`,
      message: `the only host path a pod of this namespace may mount is ${NODE_LOG_DIR}`,
    },
    {
      expression: `(${ALL_CONTAINERS}).all(c, !has(c.volumeMounts) || c.volumeMounts.all(m, !(m.name in ${HOST_VOLUMES}) || (has(m.readOnly) && m.readOnly)))`,
      message: 'host paths are mounted read-only: set readOnly: true on every volumeMount of a hostPath volume',
    },
    {
      expression: ['hostNetwork', 'hostPID', 'hostIPC'].map((f) => `!(has(object.spec.${f}) && object.spec.${f})`).join(' && '),
      message: 'host namespaces are not allowed: remove hostNetwork, hostPID and hostIPC',
    },
    {
      expression: `(${ALL_CONTAINERS}).all(c, !(${sc('privileged')} && c.securityContext.privileged) && ${sc('allowPrivilegeEscalation')} && !c.securityContext.allowPrivilegeEscalation)`,
      message: 'containers are not privileged and set allowPrivilegeEscalation: false',
    },
    {
      expression: `(${ALL_CONTAINERS}).all(c, ${sc('capabilities')} && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop && (!has(c.securityContext.capabilities.add) || size(c.securityContext.capabilities.add) == 0))`,
      message: 'containers drop ALL capabilities and add none',
    },
    {
      expression: `(${ALL_CONTAINERS}).all(c, (${sc('runAsNonRoot')} && c.securityContext.runAsNonRoot) || (!(${sc('runAsNonRoot')}) && has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot))`,
      message: 'containers run as non-root: set runAsNonRoot: true on the pod or on each container',
    },
    {
      expression: `(${ALL_CONTAINERS}).all(c, !has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))`,
      message: 'host ports are not allowed: remove hostPort from every container port',
    },
    {
      // Restricted: a profile on the pod or on each container, RuntimeDefault or Localhost, never Unconfined.
      expression: `(!(${podSc('seccompProfile')}) || object.spec.securityContext.seccompProfile.type != 'Unconfined') && (${ALL_CONTAINERS}).all(c, (${sc('seccompProfile')}) ? c.securityContext.seccompProfile.type != 'Unconfined' : (${podSc('seccompProfile')}))`,
      message: 'seccomp is confined: set seccompProfile RuntimeDefault (or Localhost) on the pod, never Unconfined',
    },
    {
      expression: `(!(${podSc('seLinuxOptions')}) || ${seLinux('object.spec.securityContext.seLinuxOptions')}) && (${ALL_CONTAINERS}).all(c, !(${sc('seLinuxOptions')}) || ${seLinux('c.securityContext.seLinuxOptions')})`,
      message: `SELinux options set no user or role, and a type of ${ALLOWED_SELINUX_TYPES.join(', ')} only`,
    },
    {
      expression: `(${ALL_CONTAINERS}).all(c, !(${sc('procMount')}) || c.securityContext.procMount == 'Default')`,
      message: 'procMount is Default: remove procMount: Unmasked',
    },
    {
      expression: `!(${podSc('sysctls')}) || object.spec.securityContext.sysctls.all(s, s.name in ${list(SAFE_SYSCTLS)})`,
      message: `only the safe sysctls are allowed: ${SAFE_SYSCTLS.join(', ')}`,
    },
    {
      expression: `!has(object.metadata.annotations) || object.metadata.annotations.all(k, !k.startsWith('${APPARMOR_ANNOTATION}') || object.metadata.annotations[k] == 'runtime/default' || object.metadata.annotations[k].startsWith('localhost/'))`,
      message: `AppArmor is confined: ${APPARMOR_ANNOTATION}<container> is runtime/default or localhost/<profile>, never unconfined`,
    },
  ];
}

/**
 * The ValidatingAdmissionPolicy of the collector's namespace and its binding (Deny), in
 * admissionregistration.k8s.io/v1beta1 as infra/admission-policies: Kubernetes 1.28 serves it only with
 * the ValidatingAdmissionPolicy feature gate and that API version turned on (`--runtime-config`); v1
 * came with 1.30 (decision 016).
 */
export function collectorAdmission(scope: Construct, ctx: ClusterPackageContext, namespace: string): void {
  const name = `${namespace}-node-logs-only`;
  new k8s.KubeValidatingAdmissionPolicyV1Beta1(scope, 'CollectorAdmission', {
    metadata: { name, labels: { ...ctx.labels } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        // Ephemeral containers (kubectl debug) come through their subresource, an UPDATE of the whole pod.
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] },
        ],
      },
      validations: collectorValidations().map((v) => ({ ...v })),
    },
  });
  new k8s.KubeValidatingAdmissionPolicyBindingV1Beta1(scope, 'CollectorAdmissionBinding', {
    metadata: { name, labels: { ...ctx.labels } },
    spec: {
      policyName: name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
    },
  });
}
