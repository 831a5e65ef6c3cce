import { canaryRollouts } from '../rollouts';
import { matches, ref, type Finding, type Rule } from '../types';

/** A canary Rollout's stable and canary Services exist, differ, and select its pods. */
export const rolloutServices: Rule = {
  id: 'rollout-services',
  why: 'the controller points the stable and canary Services at each version; a missing one stops the Rollout (InvalidSpec), one that selects other pods splits the wrong traffic',
  check(bundle) {
    const findings: Finding[] = [];
    for (const { rollout, canary, podLabels } of canaryRollouts(bundle)) {
      const add = (message: string, fix: string) => findings.push({ rule: this.id, object: ref(rollout), message, fix });
      if (canary.trafficRouting && (!canary.stableService || !canary.canaryService)) {
        add('routes traffic without both stableService and canaryService', 'name a stable and a canary Service in the canary strategy');
      }
      if (canary.stableService && canary.stableService === canary.canaryService) {
        add(`stableService and canaryService are both "${canary.stableService}"`, 'give the canary its own Service');
      }
      for (const [role, name] of [
        ['stableService', canary.stableService],
        ['canaryService', canary.canaryService],
      ] as const) {
        if (!name) continue;
        const svc = bundle.find('Service', name);
        if (!svc) {
          add(`${role} "${name}" is not in the bundle`, `add the Service ${name} with the Rollout's selector labels`);
          continue;
        }
        const selector = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
        if (!selector || Object.keys(selector).length === 0 || !matches(selector, podLabels)) {
          add(`${role} "${name}" does not select the Rollout's pods`, "select the Rollout's pod labels in the Service");
        }
      }
    }
    return findings;
  },
};
