import type { ClusterPackageContext } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { NODE_LOG_DIR } from './fluent-bit';

/** Every container of a pod, init and ephemeral ones included, as a CEL list expression. */
const ALL_CONTAINERS =
  'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : []) + (has(object.spec.ephemeralContainers) ? object.spec.ephemeralContainers : [])';
/** The names of the pod's hostPath volumes, as a CEL list expression. */
const HOST_VOLUMES = '(has(object.spec.volumes) ? object.spec.volumes.filter(v, has(v.hostPath)).map(v, v.name) : [])';

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
  ];
}

/** The ValidatingAdmissionPolicy of the collector's namespace and its binding (Deny). */
export function collectorAdmission(scope: Construct, ctx: ClusterPackageContext, namespace: string): void {
  const name = `${namespace}-node-logs-only`;
  new k8s.KubeValidatingAdmissionPolicyV1Beta1(scope, 'CollectorAdmission', {
    metadata: { name, labels: { ...ctx.labels } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
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
