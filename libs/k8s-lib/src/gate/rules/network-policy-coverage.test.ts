import { describe, expect, it } from 'vitest';
import { check, goodBundle, inNamespace } from '../../../test/gate-fixtures';
import { networkPolicyCoverage as rule } from './network-policy-coverage';

describe(rule.id, () => {
  it('stays quiet when every workload has its own policy', () => {
    expect(check(rule, goodBundle())).toEqual([]);
  });

  it('fires when only a namespace-wide default-deny covers the pods', () => {
    const objects = goodBundle().filter((o) => o.kind !== 'NetworkPolicy');
    objects.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    expect(check(rule, objects)).toEqual([expect.objectContaining({ object: 'Deployment/web', rule: rule.id })]);
  });

  it('covers pods that operators create from custom resources', () => {
    const cluster = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', metadata: { name: 'pg' }, spec: { instances: 3 } };
    expect(check(rule, [...goodBundle(), cluster]).map((f) => f.object)).toEqual(['Cluster/pg', 'Cluster/pg']);
  });

  it('fires when the NetworkPolicy is in one blue-green slot and the pods only in the other, and stays quiet with pods in its own', () => {
    const blue = inNamespace(goodBundle(), 'b2connect-blue');
    const green = inNamespace(goodBundle(), 'b2connect-green');
    // Everything in blue but its pods; the pods only in green.
    const apart = [...blue.filter((o) => o.kind !== 'Deployment'), ...green.filter((o) => o.kind === 'Deployment')];
    expect(check(rule, apart)).toEqual([expect.objectContaining({ rule: rule.id })]);
    expect(check(rule, [...blue, ...green])).toEqual([]);
  });
});
