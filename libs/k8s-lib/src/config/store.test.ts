import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { EnvironmentSchema } from './environment';
import { resolveStore, StoreSpecSchema, type StoreSpecInput } from './store';
import { environment, storeData } from '../../test/helpers';

const dev = EnvironmentSchema.parse(environment('dev'));
const prod = EnvironmentSchema.parse(environment('prod'));
const spec = (over: Partial<StoreSpecInput> = {}) => StoreSpecSchema.parse({ ...storeData(), build: () => undefined, ...over });

describe('resolveStore', () => {
  it('takes members and storage class from the environment, size from the store and its override', () => {
    const ctx = resolveStore(spec({ overrides: { prod: { storage: { size: '100Gi' } } } }), prod, 'f');
    expect(ctx.replicas).toBe(3);
    expect(ctx.storage).toEqual({ size: '100Gi', storageClass: 'fast-ssd' });
    expect(resolveStore(spec(), dev, 'f').storage).toEqual({ size: '10Gi', storageClass: 'standard' });
  });

  it('gives Guaranteed QoS where the environment asks for it', () => {
    const { resources } = resolveStore(spec(), prod, 'f');
    expect(resources.requests).toEqual(resources.limits);
    const devResources = resolveStore(spec(), dev, 'f').resources;
    expect(devResources.requests).not.toEqual(devResources.limits);
  });

  it('pins the image from the environment registry and names the credentials Secret', () => {
    const ctx = resolveStore(spec(), prod, 'f');
    expect(ctx.image).toBe('registry.example.com/library/postgres:16.4');
    expect(ctx.credentialsSecret).toBe('db-credentials');
  });

  it('allows a store without persistence where the environment does not require it', () => {
    expect(resolveStore(spec({ persistence: false }), dev, 'f').storage).toBeUndefined();
  });

  it('fails when a prod store has no persistence', () => {
    expect(() => resolveStore(spec({ overrides: { prod: { persistence: false } } }), prod, 'services/db/deploy.ts')).toThrow(
      'services/db/deploy.ts: overrides.prod.persistence: a store without persistence is refused in environment prod (stores.requirePersistence is true)',
    );
  });

  it('fails when a persistent store has no volume size', () => {
    expect(() => resolveStore(spec({ storage: {} }), prod, 'f')).toThrow(
      'f: storage.size: a persistent store needs a volume size in environment prod',
    );
  });

  it('fails on a latest tag and on a build that is not a function', () => {
    expect(StoreSpecSchema.safeParse({ ...spec(), image: { repository: 'x', tag: 'latest' } }).error?.issues[0]?.message).toMatch(
      /must not be "latest"/,
    );
    expect(StoreSpecSchema.safeParse({ ...spec(), build: 'nope' }).error?.issues[0]?.path).toEqual(['build']);
  });

  it('fails when a name is longer than a DNS label, naming the 63-character limit', () => {
    const result = StoreSpecSchema.safeParse({ ...spec(), name: 'd'.repeat(70) });
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['name', 'is 70 characters long; a DNS label (the name of a Kubernetes object) has at most 63'],
    ]);
  });

  it('fails when a required field is missing, saying it is missing, not "Invalid option"', () => {
    const { component: _c, ...input } = { ...spec(), credentials: {} };
    const result = StoreSpecSchema.safeParse(input);
    expect(ConfigError.fromZod('services/db/deploy.ts', result.error!, [], input).message).toBe(
      [
        'services/db/deploy.ts: component: required field is missing (one of "database", "cache", "search", "message-broker")',
        'services/db/deploy.ts: credentials.remoteKey: required field is missing (a string)',
      ].join('\n'),
    );
  });
});
