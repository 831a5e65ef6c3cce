import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
import { noDuplicates as rule } from './no-duplicates';

describe(rule.id, () => {
  it('stays quiet when identities are unique (same name, other kind is fine)', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires on a second object with the same group, kind, namespace and name', () => {
    const objects = goodBundle();
    objects.push({ ...objects[1] });
    expect(check(rule, objects)).toEqual([expect.objectContaining({ object: 'ConfigMap/web-config', message: 'is defined twice' })]);
  });
});
