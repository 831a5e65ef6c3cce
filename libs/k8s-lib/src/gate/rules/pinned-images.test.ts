import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle } from '../../../test/gate-fixtures';
import { pinnedImages as rule } from './pinned-images';

describe(rule.id, () => {
  it('stays quiet on tags and digests, also with a registry port', () => {
    const objects = goodBundle();
    deployment(objects).spec.template.spec.initContainers = [{ name: 'i', image: 'registry.example.com:5000/x@sha256:abc' }];
    deployment(objects).spec.template.spec.containers[0].image = 'registry.example.com:5000/web:1.2.3';
    expect(check(rule, objects)).toEqual([]);
  });

  it('fires on latest and on untagged images, also behind a registry port', () => {
    const objects = goodBundle();
    deployment(objects).spec.template.spec.initContainers = [{ name: 'i', image: 'registry.example.com:5000/tool' }];
    deployment(objects).spec.template.spec.containers[0].image = 'web:latest';
    expect(check(rule, objects).map((f) => f.message)).toEqual([
      'container "i" image "registry.example.com:5000/tool" is untagged',
      'container "web" image "web:latest" is latest',
    ]);
  });
});
