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

/**
 * The good bundle with its Deployment turned into a canary Rollout on Istio and NGINX: stable and
 * canary Services, a VirtualService route `primary` between the DestinationRule subsets, the public
 * Ingress on the stable Service, an AnalysisTemplate.
 */
export function canaryBundle(): any[] {
  const objects = goodBundle();
  const d = deployment(objects);
  const service = objects.find((o) => o.kind === 'Service');
  const host = 'web.default.svc.cluster.local';
  d.apiVersion = 'argoproj.io/v1alpha1';
  d.kind = 'Rollout';
  d.spec.strategy = {
    canary: {
      stableService: 'web',
      canaryService: 'web-canary',
      trafficRouting: {
        istio: {
          virtualService: { name: 'web', routes: ['primary'] },
          destinationRule: { name: 'web', canarySubsetName: 'canary', stableSubsetName: 'stable' },
        },
        nginx: { stableIngress: 'public' },
      },
      steps: [
        { setWeight: 10 },
        { pause: { duration: '5m' } },
        {
          analysis: {
            templates: [{ templateName: 'web-canary' }],
            args: [{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }],
          },
        },
      ],
    },
  };
  return [
    ...objects,
    { ...structuredClone(service), metadata: { ...service.metadata, name: 'web-canary' } },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: {
        hosts: [host],
        http: [
          {
            name: 'primary',
            route: [
              { destination: { host, subset: 'stable' }, weight: 100 },
              { destination: { host, subset: 'canary' }, weight: 0 },
            ],
          },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'web' },
      spec: {
        host,
        subsets: [
          { name: 'canary', labels: { ...labels } },
          { name: 'stable', labels: { ...labels } },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'public' },
      spec: {
        rules: [
          {
            host: 'www.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] },
          },
        ],
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'web-canary' },
      spec: { args: [{ name: 'canary-hash' }], metrics: [] },
    },
  ];
}

/** The canary Rollout of a bundle made by `canaryBundle`. */
export function rollout(objects: any[]): any {
  return objects.find((o) => o.kind === 'Rollout');
}

/** The object of a kind of a bundle (the first one). */
export function ofKind(objects: any[], kind: string): any {
  return objects.find((o) => o.kind === kind);
}

/** A PrometheusRule holding these rules in one group. */
export function prometheusRule(rules: any[], name = 'web'): any {
  return { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name }, spec: { groups: [{ name: 'g', rules }] } };
}

/** An alert with every label and annotation the gate asks for. */
export function alertRule(expr: string, annotations: Record<string, string> = {}): any {
  return {
    alert: 'WebDown',
    expr,
    labels: { severity: 'critical' },
    annotations: {
      summary: 'Web is down.',
      description: 'Web is down.',
      runbook_url: 'https://runbooks.example.com/webdown',
      dashboard_url: 'https://grafana.example.com/d/web',
      ...annotations,
    },
  };
}

/** A dashboard ConfigMap for Grafana's sidecar with one panel per expression. */
export function dashboardConfigMap(exprs: string[]): any {
  const model = {
    uid: 'web',
    title: 'Web',
    schemaVersion: 42,
    panels: exprs.map((expr, i) => ({ type: 'timeseries', title: `p${i}`, targets: [{ refId: 'A', expr }] })),
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'web-dashboard', labels: { grafana_dashboard: '1' } },
    data: { 'web.json': JSON.stringify(model) },
  };
}

/** Copies of `objects` in `namespace` (a blue-green slot), for the rules that resolve per namespace. */
export function inNamespace(objects: readonly any[], namespace: string): any[] {
  return structuredClone(objects).map((o: any) => ({ ...o, metadata: { ...o.metadata, namespace } }));
}
