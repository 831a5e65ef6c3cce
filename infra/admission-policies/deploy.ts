import { defineClusterPackage, slotNamespace } from '@b2connect/k8s-lib';
import { k8s } from 'cdk8s-plus-28';

/** Every container of a pod, init containers included, as a CEL list expression. */
const ALL_CONTAINERS = 'object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])';

interface Policy {
  readonly name: string;
  readonly expression: string;
  readonly message: string;
}

/**
 * The key rules, enforced server-side on every pod of the platform namespace, whoever creates it
 * (a deploy, an operator, a person with kubectl). The bundle gate checks the same rules before writing.
 */
function policies(registry: string): Policy[] {
  return [
    {
      name: 'b2connect-no-privileged',
      expression: `${ALL_CONTAINERS}.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)`,
      message: 'privileged containers are not allowed: remove securityContext.privileged',
    },
    {
      name: 'b2connect-resources-required',
      expression: `${ALL_CONTAINERS}.all(c, has(c.resources) && has(c.resources.requests) && 'cpu' in c.resources.requests && 'memory' in c.resources.requests && has(c.resources.limits) && 'memory' in c.resources.limits)`,
      message: 'every container needs cpu and memory requests and a memory limit',
    },
    {
      name: 'b2connect-registry',
      expression: `${ALL_CONTAINERS}.all(c, c.image.startsWith('${registry}/'))`,
      message: `images must come from ${registry}`,
    },
    {
      name: 'b2connect-pinned-images',
      expression: `${ALL_CONTAINERS}.all(c, c.image.matches('^[^@]+@sha256:[a-f0-9]{64}$') || (c.image.matches('^(.+/)?[^/:@]+:[A-Za-z0-9_][A-Za-z0-9_.-]*$') && !c.image.endsWith(':latest')))`,
      message: 'images must be pinned by tag or digest, never :latest or untagged',
    },
  ];
}

export default defineClusterPackage({
  name: 'admission-policies',
  team: 'platform',
  description:
    'ValidatingAdmissionPolicies (CEL, admissionregistration.k8s.io/v1beta1 on Kubernetes 1.28) for the platform namespace and its blue-green slot namespaces.',
  build: (scope, ctx) => {
    // The platform namespace, and the namespaces of its blue-green slots where the environment has them.
    const namespaces = [ctx.env.namespace, ...(ctx.env.slots?.names ?? []).map((slot) => slotNamespace(ctx.env, slot))];
    const namespaceSelector =
      namespaces.length === 1
        ? { matchLabels: { 'kubernetes.io/metadata.name': ctx.env.namespace } }
        : { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: namespaces }] };
    for (const p of policies(ctx.env.images.registry)) {
      new k8s.KubeValidatingAdmissionPolicyV1Beta1(scope, p.name, {
        metadata: { name: p.name, labels: { ...ctx.labels } },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
          },
          validations: [{ expression: p.expression, message: p.message }],
        },
      });
      new k8s.KubeValidatingAdmissionPolicyBindingV1Beta1(scope, `${p.name}-binding`, {
        metadata: { name: p.name, labels: { ...ctx.labels } },
        spec: {
          policyName: p.name,
          validationActions: ['Deny'],
          matchResources: { namespaceSelector },
        },
      });
    }
  },
});
