import {
  defineClusterPackage,
  deploymentDependencies,
  GITOPS_CREDENTIALS_SECRET,
  isClusterScoped,
  rolloutManagedFields,
  syncWaves,
  type KubeObject,
} from '@b2connect/k8s-lib';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

const ARGOCD_NAMESPACE = 'argocd';
const FLUX_NAMESPACE = 'flux-system';
const IN_CLUSTER = 'https://kubernetes.default.svc';
/** Project of the packages' Applications. */
const PROJECT = 'b2connect';
/** Project of the root Application: it may only manage Argo CD's own objects in the argocd namespace. */
const GITOPS_PROJECT = 'b2connect-gitops';
/** Deleting an Application deletes its objects (Namespaces and volumes are kept by their annotations). */
const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';
const SYNC_OPTIONS = ['ServerSideApply=true', 'PruneLast=true'];

/**
 * What a package's Application leaves to the Argo Rollouts controller (the fields its field manager
 * wrote on the VirtualService and the DestinationRule): ignored in the diff, and with
 * RespectIgnoreDifferences not reset by a sync either, so that Argo CD never fights a canary in flight.
 */
function leftToRollouts(entries: readonly Record<string, unknown>[]): {
  ignoreDifferences?: Record<string, unknown>[];
  syncOptions: string[];
} {
  return entries.length === 0
    ? { syncOptions: SYNC_OPTIONS }
    : { ignoreDifferences: [...entries], syncOptions: [...SYNC_OPTIONS, 'RespectIgnoreDifferences=true'] };
}

/** The distinct API group and kind of `objects`, sorted. */
function groupKinds(objects: readonly KubeObject[]): { group: string; kind: string }[] {
  const keys = new Set(objects.map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
  return [...keys].sort().map((key) => ({ group: key.slice(0, key.indexOf('/')), kind: key.slice(key.indexOf('/') + 1) }));
}

export default defineClusterPackage({
  name: 'gitops',
  team: 'platform',
  dependsOnAll: true,
  description:
    "How the environment's GitOps engine deploys the bundle: Argo CD (app of apps with sync waves, or an ApplicationSet with RollingSync) or Flux (one Kustomization per package with its dependencies); nothing for engine none.",
  build: (scope, ctx) => {
    const gitops = ctx.env.delivery.gitops;
    // No GitOps engine in this cluster: nothing to emit (the package folder stays, empty).
    if (!gitops || gitops.engine === 'none') return;
    const packages = syncWaves(ctx.workspace).filter((w) => w.name !== ctx.name);
    const labels = { ...ctx.labels };
    const source = (pkg: string) => ({ repoURL: gitops.repository, targetRevision: gitops.branch, path: `${gitops.path}/${pkg}` });

    if (gitops.engine === 'flux') {
      new ApiObject(scope, 'GitRepository', {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata: { name: 'b2connect', namespace: FLUX_NAMESPACE, labels },
        spec: { url: gitops.repository, ref: { branch: gitops.branch }, interval: '1m', secretRef: { name: GITOPS_CREDENTIALS_SECRET } },
      });
      const kustomization = (id: string, pkg: string, spec: Record<string, unknown>, extraLabels: Record<string, string> = {}) =>
        new ApiObject(scope, id, {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: `b2connect-${pkg}`, namespace: FLUX_NAMESPACE, labels: { ...labels, ...extraLabels } },
          spec: {
            interval: '5m',
            path: `./${gitops.path}/${pkg}`,
            prune: true,
            sourceRef: { kind: 'GitRepository', name: 'b2connect' },
            ...spec,
          },
        });
      // This package's own folder: applied once by hand, then Flux keeps it (new packages get their Kustomization).
      // No wait: its objects are Kustomizations, ready only once every package is.
      kustomization('Kustomization-self', ctx.name, { wait: false });
      // Each package waits for what it really needs, not for a whole wave (see deploymentDependencies).
      const needs = deploymentDependencies(ctx.workspace, ctx.bundle);
      for (const w of packages) {
        const deps = needs.get(w.name) ?? [];
        kustomization(
          `Kustomization-${w.name}`,
          w.name,
          { wait: true, timeout: '10m', dependsOn: deps.length > 0 ? deps.map((d) => ({ name: `b2connect-${d}` })) : undefined },
          { 'b2connect.io/wave': String(w.wave) },
        );
      }
      return;
    }

    // Argo CD. What the packages emit decides what their project may deploy.
    const objects = [...ctx.bundle.values()].flat();
    const namespaced = objects.filter((o) => !isClusterScoped(o));
    const namespaces = [...new Set([ctx.env.namespace, ...namespaced.map((o) => o.metadata.namespace!)])].sort();
    const progressive = gitops.argocd?.progressiveSync ?? false;
    const project = (id: string, name: string, spec: Record<string, unknown>) =>
      new ApiObject(scope, id, {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        // Before the Applications that name it.
        metadata: { name, namespace: ARGOCD_NAMESPACE, labels, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
        spec: { sourceRepos: [gitops.repository], ...spec },
      });
    project('Project', PROJECT, {
      description: `B2Connect platform, ${ctx.env.name}`,
      destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
      clusterResourceWhitelist: groupKinds(objects.filter(isClusterScoped)),
      namespaceResourceWhitelist: groupKinds(namespaced),
    });
    project('GitOpsProject', GITOPS_PROJECT, {
      description: `B2Connect GitOps objects, ${ctx.env.name}`,
      destinations: [{ server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: ['AppProject', 'Application', ...(progressive ? ['ApplicationSet'] : [])].map((kind) => ({
        group: 'argoproj.io',
        kind,
      })),
    });
    // The root Application: this package's own folder, applied once by hand, then kept by Argo CD.
    // No resources finalizer: deleting it leaves the packages running.
    application(scope, 'Root', `${ctx.name}-${ctx.env.name}`, labels, {
      project: GITOPS_PROJECT,
      source: source(ctx.name),
      destination: { server: IN_CLUSTER, namespace: ARGOCD_NAMESPACE },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: SYNC_OPTIONS },
    });

    const destination = { server: IN_CLUSTER, namespace: ctx.env.namespace };
    const appLabels = (wave: string) => ({ 'b2connect.io/wave': wave, 'b2connect.io/environment': ctx.env.name });
    if (!progressive) {
      // App of apps: the root syncs these Applications wave by wave, each wave once the previous one is
      // healthy (needs the Application health check in argocd-cm, docs/gitops.md); each syncs itself.
      for (const w of packages) {
        const { ignoreDifferences, syncOptions } = leftToRollouts(rolloutManagedFields(ctx.bundle.get(w.name) ?? []));
        application(
          scope,
          `Application-${w.name}`,
          `${w.name}-${ctx.env.name}`,
          { ...labels, ...appLabels(String(w.wave)) },
          {
            project: PROJECT,
            source: source(w.name),
            destination,
            ...(ignoreDifferences ? { ignoreDifferences } : {}),
            syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions },
          },
          { 'argocd.argoproj.io/sync-wave': String(w.wave) },
          [RESOURCES_FINALIZER],
        );
      }
      return;
    }

    const distinctWaves = [...new Set(packages.map((w) => w.wave))].sort((a, b) => a - b);
    // One template for every Application: the entries name their objects, so each matches in its own package only.
    const { ignoreDifferences, syncOptions } = leftToRollouts(packages.flatMap((w) => rolloutManagedFields(ctx.bundle.get(w.name) ?? [])));
    new ApiObject(scope, 'ApplicationSet', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'b2connect', namespace: ARGOCD_NAMESPACE, labels },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [{ list: { elements: packages.map((w) => ({ package: w.name, wave: String(w.wave) })) } }],
        // Waves in order: an Application syncs only after every Application of the previous wave is
        // healthy; removal goes the other way (services before stores before namespaces).
        strategy: {
          type: 'RollingSync',
          deletionOrder: 'Reverse',
          rollingSync: {
            steps: distinctWaves.map((wave) => ({
              matchExpressions: [{ key: 'b2connect.io/wave', operator: 'In', values: [String(wave)] }],
            })),
          },
        },
        template: {
          metadata: { name: `{{.package}}-${ctx.env.name}`, labels: appLabels('{{.wave}}') },
          spec: {
            project: PROJECT,
            source: source('{{.package}}'),
            destination,
            ...(ignoreDifferences ? { ignoreDifferences } : {}),
            // RollingSync turns automated sync off and triggers each sync itself (also when an Application
            // drifts: it watches OutOfSync), with these syncOptions; of `automated` it reads only `prune`,
            // as the prune flag of the syncs it triggers. selfHeal would be dead, so it is not set.
            syncPolicy: { automated: { prune: true }, syncOptions },
          },
        },
      },
    });
  },
});

function application(
  scope: Construct,
  id: string,
  name: string,
  labels: Record<string, string>,
  spec: Record<string, unknown>,
  annotations?: Record<string, string>,
  finalizers?: string[],
): ApiObject {
  return new ApiObject(scope, id, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: ARGOCD_NAMESPACE, labels, annotations, finalizers },
    spec,
  });
}
