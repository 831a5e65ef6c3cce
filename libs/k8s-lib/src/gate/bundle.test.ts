import { describe, expect, it } from 'vitest';
import { gateBundle } from './bundle';
import { selects, type LabelSelector } from './types';

const pod = (name: string, labels: Record<string, string>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
});

describe('gate bundle', () => {
  it('selects through its label index exactly the pods a scan over every pod selects', () => {
    const objects = [
      pod('a', { app: 'a', tier: 'web', zone: 'x' }),
      pod('b', { app: 'b', tier: 'web' }),
      pod('c', { app: 'c', tier: 'data', zone: 'x' }),
      pod('d', {}),
    ];
    const bundle = gateBundle(objects as never);
    const selectors: (LabelSelector | undefined)[] = [
      undefined,
      {},
      { matchLabels: { tier: 'web' } },
      { matchLabels: { tier: 'web', zone: 'x' } },
      { matchLabels: { app: 'nope' } },
      { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
      { matchLabels: { tier: 'web' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] },
      { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'c'] }] },
      { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] },
    ];
    for (const selector of selectors) {
      const scanned = bundle.pods.filter((p) => selects(selector, p.labels)).map((p) => p.owner);
      expect(
        bundle.podsSelectedBy(selector).map((p) => p.owner),
        JSON.stringify(selector),
      ).toEqual(scanned);
    }
  });

  it('selects objects of a kind by their own labels through its index exactly as a scan over that kind does', () => {
    const service = (name: string, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, labels } });
    const objects = [
      service('a', { app: 'a', role: 'stable' }),
      service('b', { app: 'b', role: 'stable' }),
      service('a-canary', { app: 'a', role: 'canary' }),
      service('bare'),
      pod('a', { app: 'a', role: 'stable' }),
    ];
    const bundle = gateBundle(objects as never);
    const selectors: (LabelSelector | undefined)[] = [
      undefined,
      {},
      { matchLabels: { app: 'a' } },
      { matchLabels: { app: 'a', role: 'stable' } },
      { matchLabels: { app: 'nope' } },
      { matchExpressions: [{ key: 'role', operator: 'Exists' }] },
      { matchLabels: { role: 'stable' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['a'] }] },
    ];
    for (const selector of selectors) {
      const scanned = objects
        .filter((o) => o.kind === 'Service' && selects(selector, (o.metadata as { labels?: Record<string, string> }).labels ?? {}))
        .map((o) => o.metadata.name);
      expect(
        bundle.selectedBy('Service', selector).map((o) => o.metadata.name),
        JSON.stringify(selector),
      ).toEqual(scanned);
    }
    expect(bundle.selectedBy('Ingress', { matchLabels: { app: 'a' } })).toEqual([]);
  });

  it('finds objects by kind without scanning the others', () => {
    const bundle = gateBundle([pod('a', { app: 'a' }), { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }] as never);
    expect(bundle.ofKind('Service').map((o) => o.metadata.name)).toEqual(['s']);
    expect(bundle.ofKind('Ingress')).toEqual([]);
  });
});
