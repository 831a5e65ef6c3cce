// @b2connect/k8s-lib/pipeline: the stages for tools/ and scripts/ (the Nx executors, the delivery
// drivers, diff, the generators): load -> resolve -> build -> check -> write. Package authors use
// `@b2connect/k8s-lib`.

// Errors, one format.
export { ConfigError, ConfigErrors, formatIssue, dotPath, type ConfigIssue } from './errors';
export { CONFIG_NAME_ANNOTATION, MANAGED_BY, RETAINED_ANNOTATION } from './labels';
// What the drivers' config retention follows: the revisions a Deployment keeps.
export { REVISION_HISTORY_LIMIT } from './blueprints/web-service';
export type { KubeObject } from './kube-object';

// Load.
export {
  loadEnvironment,
  parseEnvironment,
  parseYamlFile,
  hasCredentials,
  environmentJsonSchema,
  ENVIRONMENT_JSON_SCHEMA_PATH,
  slotNamespace,
  type Environment,
  type EnvironmentInput,
} from './config/environment';
export type { Workspace, LoadedPackage, LoadedDefinition } from './config/workspace';
export * from './load/discover';
export { loadWorkspace, loadWorkspaceWithErrors, dependenciesOf, dependsOnAll, type ModuleLoader } from './load/workspace';

// What the stages ask of a package's kind (whether it is built once per blue-green slot).
export { kindOf } from './kinds/registry';

// Resolve and build.
export { resolveEnvironment } from './resolve/model';
export { synthesizeEnvironment } from './build/build';

// Check.
export { validateObject } from './check/validate';
export { findUnknownFields, isBuiltinKind } from './check/strict-fields';
export { validateCustomResource, CRD_DIR } from './check/crd-schemas';
export { runGate, formatFinding, RULES, type Finding, type Rule } from './gate';

// Write and publish.
export {
  buildBundles,
  synthesize,
  synthesizePackage,
  withDependencies,
  libVersion,
  BUNDLE_ROOT,
  NETWORK_DIAGRAM,
  ROLLOUT_TIMELINE,
  type BuildOptions,
  type SynthesisResult,
} from './write/bundle';
export * from './write/writer';
export * from './write/manifest';
export { writeEnvironments, cleanLeftovers, BundleWriteError, type EnvironmentWrite } from './write/environment-writer';
export { renderMermaid, type NetworkGraph } from './write/network-graph';
export { syncWaves, isClusterScoped, deploymentDependencies, clusterReferences, NAMESPACES_PACKAGE } from './write/waves';
export { findConfig, findObject } from './write/query';
