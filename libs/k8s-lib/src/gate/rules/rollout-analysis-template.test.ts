import { describe, expect, it } from 'vitest';
import { canaryBundle, check, goodBundle, rollout } from '../../../test/gate-fixtures';
import { rolloutAnalysisTemplate as rule } from './rollout-analysis-template';

describe(rule.id, () => {
  it('stays quiet when the template exists and gets its arguments', () => {
    expect(check(rule, canaryBundle())).toEqual([]);
  });

  it('stays quiet on a bundle without Rollouts', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires when the template is missing', () => {
    const objects = canaryBundle().filter((o) => o.kind !== 'AnalysisTemplate');
    expect(check(rule, objects).map((f) => f.message)).toEqual(['AnalysisTemplate "web-canary" is not in the bundle']);
  });

  it('fires when a required argument is not passed', () => {
    const objects = canaryBundle();
    rollout(objects).spec.strategy.canary.steps[2].analysis.args = [];
    expect(check(rule, objects)[0]!.message).toBe(
      'AnalysisTemplate "web-canary" needs the argument "canary-hash", which the Rollout does not pass',
    );
  });

  it('checks background analysis too, and reports a template once', () => {
    const objects = canaryBundle().filter((o) => o.kind !== 'AnalysisTemplate');
    rollout(objects).spec.strategy.canary.analysis = { templates: [{ templateName: 'web-canary' }] };
    expect(check(rule, objects)).toHaveLength(1);
  });
});
