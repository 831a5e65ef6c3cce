import { describe, expect, it } from 'vitest';
import { check, deployment, goodBundle } from '../../../test/gate-fixtures';
import { hpaTarget as rule } from './hpa-target';

const hpa = (name: string) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web' },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 2, maxReplicas: 4 },
});

describe(rule.id, () => {
  it('stays quiet when the target exists without fixed replicas', () => {
    expect(check(rule, [...goodBundle(), hpa('web')])).toEqual([]);
  });

  it('fires when the target is missing', () => {
    expect(check(rule, [...goodBundle(), hpa('wep')])[0]!.message).toBe('target Deployment/wep is not in the bundle');
  });

  it('fires when the target has fixed replicas', () => {
    const objects = goodBundle();
    deployment(objects).spec.replicas = 3;
    expect(check(rule, [...objects, hpa('web')])[0]!.fix).toBe('remove spec.replicas from the target: the HPA owns it');
  });
});
