import { canaryRollouts } from '../rollouts';
import { ref, type Finding, type Rule } from '../types';

/** Every AnalysisTemplate a canary Rollout runs is in the bundle, and the Rollout passes each argument it requires. */
export const rolloutAnalysisTemplate: Rule = {
  id: 'rollout-analysis-template',
  why: 'an analysis on a missing template, or without a required argument, errors at its step and the Rollout aborts: every release fails',
  check(bundle) {
    const findings: Finding[] = [];
    for (const { rollout, canary } of canaryRollouts(bundle)) {
      const refs = [
        ...(canary.steps ?? []).flatMap((s) => (s.analysis ? [s.analysis] : [])),
        ...(canary.analysis ? [canary.analysis] : []),
      ];
      const reported = new Set<string>();
      for (const analysis of refs) {
        const passed = new Set((analysis.args ?? []).map((a) => a.name));
        for (const t of analysis.templates ?? []) {
          const kind = t.clusterScope ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
          const template = bundle.find(kind, t.templateName);
          const problem = (message: string, fix: string) => {
            if (reported.has(message)) return;
            reported.add(message);
            findings.push({ rule: this.id, object: ref(rollout), message, fix });
          };
          if (!template) {
            problem(`${kind} "${t.templateName}" is not in the bundle`, `add the ${kind} to the package or fix templateName`);
            continue;
          }
          const args = (
            (template.spec as { args?: { name: string; value?: string; valueFrom?: unknown }[] } | undefined)?.args ?? []
          ).filter((a) => a.value === undefined && a.valueFrom === undefined);
          for (const arg of args) {
            if (!passed.has(arg.name))
              problem(
                `${kind} "${t.templateName}" needs the argument "${arg.name}", which the Rollout does not pass`,
                'pass it in the analysis args',
              );
          }
        }
      }
    }
    return findings;
  },
};
