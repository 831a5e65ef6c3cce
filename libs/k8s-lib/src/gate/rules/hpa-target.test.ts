import { describe, expect, it } from 'vitest';
import { canaryBundle, check, deployment, goodBundle } from '../../../test/gate-fixtures';
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

describe(`${rule.id} with a Rollout`, () => {
  const rolloutHpa = (apiVersion: string) => ({
    ...hpa('web'),
    spec: { ...hpa('web').spec, scaleTargetRef: { apiVersion, kind: 'Rollout', name: 'web' } },
  });

  it('stays quiet when the HPA targets the Rollout by its API group', () => {
    expect(check(rule, [...canaryBundle(), rolloutHpa('argoproj.io/v1alpha1')])).toEqual([]);
  });

  it('fires when the target names the wrong API group', () => {
    expect(check(rule, [...canaryBundle(), rolloutHpa('apps/v1')])[0]!.message).toBe(
      'target Rollout/web is argoproj.io/v1alpha1, not apps/v1',
    );
  });

  it('fires when scaleTargetRef.apiVersion is missing, saying so', () => {
    const [finding] = check(rule, [...canaryBundle(), rolloutHpa(undefined as never)]);
    expect(finding!.message).toBe('target Rollout/web: scaleTargetRef.apiVersion is missing (the workload is argoproj.io/v1alpha1)');
    expect(finding!.fix).toBe('set scaleTargetRef.apiVersion to argoproj.io/v1alpha1');
  });

  it('fires when the HPA still targets a Deployment the bundle no longer has', () => {
    expect(check(rule, [...canaryBundle(), hpa('web')])[0]!.message).toBe('target Deployment/web is not in the bundle');
  });

  it('fires when the Rollout sets replicas', () => {
    const objects = canaryBundle();
    objects.find((o) => o.kind === 'Rollout').spec.replicas = 2;
    expect(check(rule, [...objects, rolloutHpa('argoproj.io/v1alpha1')])[0]!.message).toBe('target Rollout/web sets replicas');
  });
});
