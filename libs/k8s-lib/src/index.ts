// @b2connect/k8s-lib: what package authors use, in a package's deploy.ts and its tests. The pipeline
// (loading, resolution, synthesis, checks, writers) is `@b2connect/k8s-lib/pipeline`, the typed CRD
// constructs `@b2connect/k8s-lib/crds`, the TypeScript loader `@b2connect/k8s-lib/register`.

// Definitions, one function per kind.
export { defineWebService, defineFrontend, type DeployableDefinition } from './kinds/define';
export { Delivery, DEFAULT_CANARY_STEPS, type CanaryOptions, type DeliveryInput } from './kinds/delivery';
export { defineStore } from './config/store';
export { defineClusterPackage } from './config/cluster-package';
export type { WebServiceSpecInput, WebServiceSpec, FrontendSpecInput, FrontendSpec, Size, Override } from './config/definition';
export type {
  StoreContext,
  StoreWorkload,
  StoreBuilder,
  StoreNetwork,
  StoreNetworkSpec,
  StoreConnection,
  StoreMetrics,
  StoreMetricsSpec,
  StoreEngine,
  StoreSpecInput,
  StoreSpec,
} from './config/store';
export type {
  ClusterPackageContext,
  ClusterPackageBuilder,
  ClusterPackageSpecInput,
  ClusterPackageSpec,
  ClusterClient,
  ClusterClients,
} from './config/cluster-package';
export {
  STORAGE_CLASSES,
  slotNamespace,
  slotServiceAlias,
  type Environment,
  type StorageClassName,
  type SizeProfile,
} from './config/environment';
export type { Workspace, LoadedPackage, LoadedDefinition } from './config/workspace';

// The error a package's build throws for bad input: it names the file and the field.
export { ConfigError, type ConfigIssue } from './errors';

// Labels and sizes.
export {
  CONFIG_NAME_ANNOTATION,
  MANAGED_BY,
  PART_OF,
  TEAM_LABEL,
  contentName,
  pascalCase,
  selectorLabels,
  standardLabels,
  type LabelProps,
} from './labels';
export { KEEP_ON_PRUNE, MESH_CONTROL_PLANE, MESH_NATIVE_SIDECAR, NODE_LOG_COLLECTOR } from './rules';
export { mebibytes, millicores, resourcesFor, type ResourceSpec } from './config/sizes';

// Blueprints and the constructs the store and cluster-level packages build with.
export * from './blueprints/stateful-store';
export * from './blueprints/backup-job';
export * from './blueprints/external-credentials';
export * from './blueprints/pod-rules';
export * from './blueprints/web-service';
export * from './blueprints/frontend';
export * from './blueprints/smoke-test';
export type { HealthProps } from './blueprints/probe';
export { EnvironmentOverview, type EnvironmentOverviewProps } from './blueprints/observability/overview';

// What a cluster-level package reads of the rest of the environment (infra/gitops, infra/ingress).
export { GITOPS_CREDENTIALS_SECRET, PUBLIC_INGRESS_NAME } from './config/environment';
export { CANARY_ROLE_LABEL, CanaryRollout, rolloutManagedFields, type CanaryRolloutProps } from './blueprints/canary-rollout';
export { syncWaves, isClusterScoped, deploymentDependencies } from './write/waves';

// Tests of a package: synthesize it, find objects by kind and name.
export { synthesizePackage } from './write/bundle';
export { findConfig, findObject } from './write/query';
export type { KubeObject } from './kube-object';
