import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
import { pdbSelectsPods as rule } from './pdb-selects-pods';

describe(rule.id, () => {
  it('stays quiet when the budget selects pods', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires when the budget selects nothing', () => {
    const objects = goodBundle();
    objects.find((o) => o.kind === 'PodDisruptionBudget').spec.selector = { matchLabels: { app: 'web' } };
    expect(check(rule, objects)).toEqual([expect.objectContaining({ object: 'PodDisruptionBudget/web' })]);
  });

  it('understands matchExpressions', () => {
    const objects = goodBundle();
    objects.find((o) => o.kind === 'PodDisruptionBudget').spec.selector = {
      matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['web'] }],
    };
    expect(check(rule, objects)).toEqual([]);
  });
});
