import { describe, expect, it } from 'vitest';
import { check, goodBundle } from '../../../test/gate-fixtures';
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
});
