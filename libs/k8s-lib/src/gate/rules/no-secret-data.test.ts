import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
import { noSecretData as rule } from './no-secret-data';

describe(rule.id, () => {
  it('stays quiet on a bundle without Secrets, or with an empty one', () => {
    expect(check(rule, [...goodBundle(), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty' } }])).toEqual([]);
  });

  it('fires on a Secret with data, without printing the values', () => {
    const findings = check(rule, [
      ...goodBundle(),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'hunter2' } },
    ]);
    expect(findings).toEqual([expect.objectContaining({ object: 'Secret/db', message: 'carries data (1 key; values not shown)' })]);
    expect(JSON.stringify(findings)).not.toContain('hunter2');
  });
});
