import { defineClusterPackage, syncWaves } from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';

const ARGOCD_NAMESPACE = 'argocd';
const FLUX_NAMESPACE = 'flux-system';
const IN_CLUSTER = 'https://kubernetes.default.svc';
/** Cluster-scoped kinds the packages emit, allowed to the Argo CD project. */
const CLUSTER_KINDS: [string, string][] = [
  ['', 'Namespace'],
  ['storage.k8s.io', 'StorageClass'],
  ['external-secrets.io', 'ClusterSecretStore'],
  ['cert-manager.io', 'ClusterIssuer'],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicy'],
  ['admissionregistration.k8s.io', 'ValidatingAdmissionPolicyBinding'],
];

export default defineClusterPackage({
  name: 'gitops',
  team: 'platform',
  dependsOnAll: true,
  description:
    'How Argo CD or Flux deploy the bundle: one Application or Kustomization per package, namespaces and infra before stores, stores before services.',
  build: (scope, ctx) => {
    const gitops = ctx.env.delivery.gitops;
    if (!gitops) throw new Error(`environment ${ctx.env.name} has no delivery.gitops: the GitOps objects need the repository`);
    // This package is what installs the others; it is applied by hand (or by the cluster bootstrap) once.
    const waves = syncWaves(ctx.workspace).filter((w) => w.name !== ctx.name);
    const labels = { ...ctx.labels };

    new ApiObject(scope, 'Project', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'b2connect', namespace: ARGOCD_NAMESPACE, labels },
      spec: {
        description: `B2Connect platform, ${ctx.env.name}`,
        sourceRepos: [gitops.repository],
        destinations: [{ server: IN_CLUSTER, namespace: ctx.env.namespace }],
        clusterResourceWhitelist: CLUSTER_KINDS.map(([group, kind]) => ({ group, kind })),
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });
    const distinctWaves = [...new Set(waves.map((w) => w.wave))].sort((a, b) => a - b);
    new ApiObject(scope, 'ApplicationSet', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'b2connect', namespace: ARGOCD_NAMESPACE, labels },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: waves.map((w) => ({ package: w.name, wave: String(w.wave) })) } }],
        // Waves in order: an Application syncs only after every Application of the previous wave is healthy.
        strategy: {
          type: 'RollingSync',
          rollingSync: {
            steps: distinctWaves.map((wave) => ({
              matchExpressions: [{ key: 'b2connect.io/wave', operator: 'In', values: [String(wave)] }],
            })),
          },
        },
        template: {
          metadata: {
            name: `{{.package}}-${ctx.env.name}`,
            labels: { 'b2connect.io/wave': '{{.wave}}', 'b2connect.io/environment': ctx.env.name },
            annotations: { 'argocd.argoproj.io/sync-wave': '{{.wave}}' },
          },
          spec: {
            project: 'b2connect',
            source: { repoURL: gitops.repository, targetRevision: gitops.branch, path: `${gitops.path}/{{.package}}` },
            destination: { server: IN_CLUSTER, namespace: ctx.env.namespace },
            syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true', 'PruneLast=true'] },
          },
        },
      },
    });

    new ApiObject(scope, 'GitRepository', {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'b2connect', namespace: FLUX_NAMESPACE, labels },
      spec: { url: gitops.repository, ref: { branch: gitops.branch }, interval: '1m', secretRef: { name: 'b2connect-gitops' } },
    });
    for (const w of waves) {
      const previous = waves.filter((p) => p.wave === Math.max(...distinctWaves.filter((d) => d < w.wave)));
      new ApiObject(scope, `Kustomization-${w.name}`, {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: `b2connect-${w.name}`, namespace: FLUX_NAMESPACE, labels: { ...labels, 'b2connect.io/wave': String(w.wave) } },
        spec: {
          interval: '5m',
          path: `./${gitops.path}/${w.name}`,
          prune: true,
          wait: true,
          timeout: '10m',
          sourceRef: { kind: 'GitRepository', name: 'b2connect' },
          dependsOn: previous.length > 0 ? previous.map((p) => ({ name: `b2connect-${p.name}` })) : undefined,
        },
      });
    }
  },
});
