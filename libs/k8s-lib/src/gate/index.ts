import type { KubeObject } from '../check/validate';
import { gateBundle } from './bundle';
import { hpaTarget } from './rules/hpa-target';
import { ingressBackends } from './rules/ingress-backends';
import { keptOnDeletion } from './rules/kept-on-deletion';
import { networkPolicyCoverage } from './rules/network-policy-coverage';
import { noClusterRoleForWorkloads } from './rules/no-cluster-role-for-workloads';
import { noCredentials } from './rules/no-credentials';
import { noDuplicates } from './rules/no-duplicates';
import { noSecretData } from './rules/no-secret-data';
import { pdbSelectsPods } from './rules/pdb-selects-pods';
import { pinnedImages } from './rules/pinned-images';
import { podSecurityRestricted } from './rules/pod-security-restricted';
import { readOnlyRootFilesystem } from './rules/read-only-root-filesystem';
import { referencesResolve } from './rules/references-resolve';
import { rolloutAnalysisTemplate } from './rules/rollout-analysis-template';
import { rolloutServices } from './rules/rollout-services';
import { rolloutTrafficRoute } from './rules/rollout-traffic-route';
import { serviceMonitorTarget } from './rules/service-monitor-target';
import { serviceSelectsPods } from './rules/service-selects-pods';
import { podMonitorTarget } from './rules/pod-monitor-target';
import { promqlParses } from './rules/promql-parses';
import { recordingRulesProduced } from './rules/recording-rules-produced';
import { alertTemplateLabels } from './rules/alert-template-labels';
import { alertHasComparison } from './rules/alert-has-comparison';
import { alertAnnotations } from './rules/alert-annotations';
import type { Finding, Rule } from './types';

export { gateBundle } from './bundle';
export * from './types';

/** The policy gate: every rule runs on every bundle of every environment, before anything is written. */
export const RULES: readonly Rule[] = [
  podSecurityRestricted,
  readOnlyRootFilesystem,
  noClusterRoleForWorkloads,
  serviceSelectsPods,
  hpaTarget,
  rolloutServices,
  rolloutTrafficRoute,
  rolloutAnalysisTemplate,
  pdbSelectsPods,
  networkPolicyCoverage,
  serviceMonitorTarget,
  referencesResolve,
  noSecretData,
  noCredentials,
  pinnedImages,
  noDuplicates,
  ingressBackends,
  keptOnDeletion,
  podMonitorTarget,
  promqlParses,
  recordingRulesProduced,
  alertTemplateLabels,
  alertHasComparison,
  alertAnnotations,
];

export function runGate(objects: readonly KubeObject[], rules: readonly Rule[] = RULES): Finding[] {
  const bundle = gateBundle(objects);
  return rules.flatMap((rule) => rule.check(bundle));
}

export function formatFinding(f: Finding): string {
  return `${f.object}: ${f.rule}: ${f.message}. Fix: ${f.fix}`;
}
