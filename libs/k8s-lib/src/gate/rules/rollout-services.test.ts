import { describe, expect, it } from 'vitest';
import { canaryBundle, check, goodBundle, rollout } from '../../../test/gate-fixtures';
import { rolloutServices as rule } from './rollout-services';

describe(rule.id, () => {
  it('stays quiet when both Services exist and select the pods', () => {
    expect(check(rule, canaryBundle())).toEqual([]);
  });

  it('stays quiet on a bundle without Rollouts', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires when the canary Service is missing', () => {
    const objects = canaryBundle().filter((o) => o.metadata.name !== 'web-canary' || o.kind !== 'Service');
    expect(check(rule, objects).map((f) => f.message)).toEqual(['canaryService "web-canary" is not in the bundle']);
  });

  it("fires when the stable Service selects other pods than the Rollout's", () => {
    const objects = canaryBundle();
    objects.find((o) => o.kind === 'Service' && o.metadata.name === 'web').spec.selector = { 'app.kubernetes.io/name': 'other' };
    expect(check(rule, objects).map((f) => f.message)).toEqual(['stableService "web" does not select the Rollout\'s pods']);
  });

  it('fires when one Service serves as both', () => {
    const objects = canaryBundle();
    rollout(objects).spec.strategy.canary.canaryService = 'web';
    expect(check(rule, objects)[0]!.message).toBe('stableService and canaryService are both "web"');
  });

  it('fires when a routed canary names no canary Service', () => {
    const objects = canaryBundle();
    delete rollout(objects).spec.strategy.canary.canaryService;
    expect(check(rule, objects)[0]!.message).toBe('routes traffic without both stableService and canaryService');
  });
});
