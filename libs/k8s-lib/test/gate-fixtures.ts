import type { KubeObject } from '../src/check/validate';
import { gateBundle } from '../src/gate/bundle';
import type { Rule } from '../src/gate/types';

const labels = { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' };

/** A Deployment, its Service, ServiceAccount, ConfigMap, PDB and NetworkPolicy that pass every rule. */
export function goodBundle(): any[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { A: '1' } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'web',
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'web',
                image: 'registry.example.com/web:1.0.0',
                ports: [{ name: 'http', containerPort: 8080 }],
                envFrom: [{ configMapRef: { name: 'web-config' } }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web' },
      spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'] },
    },
  ];
}

export function deployment(objects: any[]): any {
  return objects.find((o) => o.kind === 'Deployment');
}

export function check(rule: Rule, objects: any[]) {
  return rule.check(gateBundle(objects as KubeObject[]));
}

/** Gives every container of the bundle's Deployment a read-only root and a writable /tmp emptyDir, as the blueprints do. */
export function withReadOnlyRoot(objects: any[]): any[] {
  const spec = deployment(objects).spec.template.spec;
  spec.volumes = [...(spec.volumes ?? []), { name: 'writable-tmp', emptyDir: { sizeLimit: '64Mi' } }];
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    c.securityContext = { ...c.securityContext, readOnlyRootFilesystem: true };
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: 'writable-tmp', mountPath: '/tmp' }];
  }
  return objects;
}

/** Copies of `objects` in `namespace` (a blue-green slot), for the rules that resolve per namespace. */
export function inNamespace(objects: readonly any[], namespace: string): any[] {
  return structuredClone(objects).map((o: any) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}
