import { describe, expect, it } from 'vitest';
import { check, goodBundle, inNamespace } from '../../../test/gate-fixtures';
import { serviceSelectsPods as rule } from './service-selects-pods';

describe(rule.id, () => {
  it('stays quiet when the Service selects pods that have its target port', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires when the selector matches no pods', () => {
    const objects = goodBundle();
    objects.find((o) => o.kind === 'Service').spec.selector = { 'app.kubernetes.io/name': 'wbe' };
    expect(check(rule, objects)).toEqual([
      expect.objectContaining({ object: 'Service/web', message: expect.stringContaining('matches no pods') }),
    ]);
  });

  it('fires when a target port is not a container port', () => {
    const objects = goodBundle();
    objects.find((o) => o.kind === 'Service').spec.ports[0].targetPort = 'metrics';
    expect(check(rule, objects)[0]!.message).toBe('target port "metrics" of port "http" is not a container port of the selected pods');
  });

  it('fires when the Service is in one blue-green slot and the pods only in the other, and stays quiet with pods in its own', () => {
    const blue = inNamespace(goodBundle(), 'b2connect-blue');
    const green = inNamespace(goodBundle(), 'b2connect-green');
    // Everything in blue but its pods; the pods only in green.
    const apart = [...blue.filter((o) => o.kind !== 'Deployment'), ...green.filter((o) => o.kind === 'Deployment')];
    expect(check(rule, apart)).toEqual([expect.objectContaining({ rule: rule.id })]);
    expect(check(rule, [...blue, ...green])).toEqual([]);
  });
});
