import { describe, expect, it } from 'vitest';
import { REVISION_HISTORY_LIMIT } from '@b2connect/k8s-lib/pipeline';
import { CONFIG_VERSIONS_KEPT, retainConfigs, type ConfigVersion } from './retention';

const v = (name: string, generation: number, config = 'core/ConfigMap/b2connect/web-config'): ConfigVersion => ({
  config,
  name,
  generation,
});

describe('retainConfigs', () => {
  it('keeps the replaced current version as the one before, and counts the older ones on', () => {
    expect(retainConfigs([v('web-config-b', 0), v('web-config-a', 1)], [v('web-config-c', 0)], 3)).toEqual([
      v('web-config-b', 1),
      v('web-config-a', 2),
    ]);
  });

  it('prunes the version past the count', () => {
    expect(retainConfigs([v('d', 0), v('c', 1), v('b', 2), v('a', 3)], [v('e', 0)], 3)).toEqual([v('d', 1), v('c', 2), v('b', 3)]);
  });

  it('counts nothing when the current version stays', () => {
    expect(retainConfigs([v('b', 0), v('a', 3)], [v('b', 0)], 3)).toEqual([v('a', 3)]);
  });

  it('keeps the versions of a config the package no longer has, counted on once', () => {
    expect(retainConfigs([v('b', 0), v('a', 1)], [], 3)).toEqual([v('b', 1), v('a', 2)]);
  });

  it('makes an older version current again on a rollback, and keeps each config apart', () => {
    const other = (name: string, g: number) => v(name, g, 'core/ConfigMap/b2connect-green/web-config');
    expect(retainConfigs([v('b', 0), v('a', 1), other('x', 0)], [v('a', 0), other('x', 0)], 3)).toEqual([v('b', 1)]);
  });
});

describe('CONFIG_VERSIONS_KEPT', () => {
  it('keeps a config version for every revision a Deployment keeps, so that a rollout undo finds its ConfigMap', () => {
    expect(REVISION_HISTORY_LIMIT).toBeGreaterThan(0);
    // `REVISION_HISTORY_LIMIT` replacements later, the first version is still kept by default.
    let target: ConfigVersion[] = [v('v0', 0)];
    for (let n = 1; n <= REVISION_HISTORY_LIMIT; n++) target = [...retainConfigs(target, [v(`v${n}`, 0)]), v(`v${n}`, 0)];
    expect(target.find((x) => x.name === 'v0')).toEqual(v('v0', REVISION_HISTORY_LIMIT));
    expect(CONFIG_VERSIONS_KEPT).toBeGreaterThanOrEqual(REVISION_HISTORY_LIMIT);
  });
});
