import { describe, expect, it } from 'vitest';
import { EnvironmentSchema } from './environment';
import { WebServiceSpecSchema } from './definition';
import { resolveTunables } from './resolve';
import { environment, webService } from '../../test/helpers';
import { mergeLayers } from './merge';

const dev = EnvironmentSchema.parse(environment('dev'));
const prod = EnvironmentSchema.parse(environment('prod'));
const spec = (over: object = {}) => WebServiceSpecSchema.parse(webService('svc', over).spec);

describe('mergeLayers', () => {
  it('merges nested objects per key and lets later layers win', () => {
    expect(mergeLayers({ a: { x: 1, y: 2 }, b: [1, 2] }, { a: { y: 3 }, b: [9] }, { a: { z: 4 } })).toEqual({
      a: { x: 1, y: 3, z: 4 },
      b: [9],
    });
  });
  it('does not let undefined overwrite, and lets false replace an object', () => {
    expect(mergeLayers({ a: { x: 1 }, b: 2 }, { a: false, b: undefined })).toEqual({ a: false, b: 2 });
  });
});

describe('resolveTunables', () => {
  it('takes the environment default replicas when the package sets none', () => {
    expect(resolveTunables(spec(), prod, 'f').replicas).toBe(3);
    expect(resolveTunables(spec(), dev, 'f').replicas).toBe(1);
  });

  it('caps replicas at the environment maximum', () => {
    expect(resolveTunables(spec({ replicas: 4 }), dev, 'f').replicas).toBe(1);
  });

  it('merges an override per key: max from the override, min and cpu from the base', () => {
    const t = resolveTunables(
      spec({ autoscaling: { min: 2, max: 10, cpuPercent: 60 }, overrides: { prod: { autoscaling: { max: 4 } } } }),
      prod,
      'f',
    );
    expect(t.autoscaling).toEqual({ min: 2, max: 4, cpuPercent: 60 });
    expect(t.replicas).toBeUndefined();
  });

  it('drops autoscaling where the environment has none and falls back to replicas', () => {
    const t = resolveTunables(spec({ autoscaling: { min: 2, max: 10 } }), dev, 'f');
    expect(t.autoscaling).toBeUndefined();
    expect(t.replicas).toBe(1);
  });

  it('lets an override turn autoscaling off with false', () => {
    const t = resolveTunables(
      spec({ autoscaling: { min: 2, max: 10 }, overrides: { prod: { autoscaling: false, replicas: 2 } } }),
      prod,
      'f',
    );
    expect(t.autoscaling).toBeUndefined();
    expect(t.replicas).toBe(2);
  });

  it('merges settings per key and keeps the shutdown defaults', () => {
    const t = resolveTunables(spec({ settings: { A: '1', B: '2' }, overrides: { prod: { settings: { B: '3' } } } }), prod, 'f');
    expect(t.settings).toEqual({ A: '1', B: '3' });
    expect(t.shutdown).toEqual({ preStopSeconds: 5, terminationGracePeriodSeconds: 30 });
  });

  it('fails when an override puts HPA min above max, naming the override field', () => {
    expect(() =>
      resolveTunables(
        spec({ autoscaling: { min: 2, max: 10 }, overrides: { prod: { autoscaling: { min: 12 } } } }),
        prod,
        'services/svc/deploy.ts',
      ),
    ).toThrow('services/svc/deploy.ts: overrides.prod.autoscaling.min: min 12 is above max 10 in environment prod');
  });

  it('fails when a dev-only override puts HPA min above max, though dev runs without autoscaling', () => {
    expect(() => resolveTunables(spec({ overrides: { dev: { autoscaling: { min: 9, max: 1 } } } }), dev, 'services/svc/deploy.ts')).toThrow(
      'services/svc/deploy.ts: overrides.dev.autoscaling.min: min 9 is above max 1 in environment dev (checked although dev runs without autoscaling)',
    );
  });

  it('fails when an override leaves autoscaling without max where the environment has it off', () => {
    expect(() => resolveTunables(spec({ overrides: { dev: { autoscaling: { min: 2 } } } }), dev, 'f')).toThrow(
      'f: overrides.dev.autoscaling: needs both min and max in environment dev',
    );
  });

  it('fails when an override sets replicas beside the base autoscaling where the environment has it off', () => {
    expect(() => resolveTunables(spec({ autoscaling: { min: 2, max: 6 }, overrides: { dev: { replicas: 1 } } }), dev, 'f')).toThrow(
      /^f: overrides\.dev\.replicas: replicas 1 and autoscaling are exclusive in environment dev/,
    );
  });

  it('accepts an override that turns autoscaling off and sets replicas where the environment has it off', () => {
    const t = resolveTunables(spec({ autoscaling: { min: 2, max: 6 }, overrides: { dev: { autoscaling: false, replicas: 1 } } }), dev, 'f');
    expect(t).toMatchObject({ replicas: 1, autoscaling: undefined });
  });

  it('fails when replicas and autoscaling are both set for one environment', () => {
    expect(() => resolveTunables(spec({ replicas: 2, autoscaling: { min: 2, max: 4 } }), prod, 'f')).toThrow(
      /f: replicas: replicas 2 and autoscaling are exclusive in environment prod/,
    );
  });

  it('fails when the grace period is not longer than the preStop delay', () => {
    expect(() => resolveTunables(spec({ shutdown: { preStopSeconds: 30, terminationGracePeriodSeconds: 30 } }), prod, 'f')).toThrow(
      'f: shutdown.terminationGracePeriodSeconds: 30s must be longer than preStopSeconds (30s)',
    );
  });
});
