import { describe, expect, it } from 'vitest';
import { check, goodBundle, inNamespace } from '../../../test/gate-fixtures';
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

  it('fires when the budget is in one blue-green slot and the pods only in the other, and stays quiet with pods in its own', () => {
    const blue = inNamespace(goodBundle(), 'b2connect-blue');
    const green = inNamespace(goodBundle(), 'b2connect-green');
    // Everything in blue but its pods; the pods only in green.
    const apart = [...blue.filter((o) => o.kind !== 'Deployment'), ...green.filter((o) => o.kind === 'Deployment')];
    expect(check(rule, apart)).toEqual([expect.objectContaining({ rule: rule.id })]);
    expect(check(rule, [...blue, ...green])).toEqual([]);
  });
});
