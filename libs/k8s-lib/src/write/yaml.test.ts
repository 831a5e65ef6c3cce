import { dump } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesize } from './bundle';
import { toYaml } from './yaml';
import type { KubeObject } from '../kube-object';

const workspaceRoot = `${__dirname}/../../../..`;
/** js-yaml's writer with the bundle's options: the definition the fast writer is held to. */
const jsYaml = (value: unknown) => dump(value, { lineWidth: -1, noRefs: true });

let objects: KubeObject[] = [];
beforeAll(async () => {
  const { bundles } = await synthesize(workspaceRoot, { load: (file) => import(/* @vite-ignore */ file) });
  objects = [...bundles.values()].flatMap((pkgs) => [...pkgs.values()].flat());
}, 120_000);

describe('toYaml', () => {
  it('writes every object of every environment of this workspace byte for byte as js-yaml does', () => {
    expect(objects.length).toBeGreaterThan(300);
    const differing = objects.filter((o) => toYaml(o) !== jsYaml(o)).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(differing).toEqual([]);
  });

  it.each([
    ['ambiguous scalars', { a: '8080', b: 'true', c: 'null', d: '~', e: '2024-01-01', f: 'yes', g: '1e3', h: '0x1F', i: '', j: '-' }],
    [
      'quoting and escapes',
      { a: "it's", b: 'a: b', c: '#x', d: '- x', e: '*ref', f: 'tab\there', g: 'bell\u0007', h: ' lead', i: 'trail ' },
    ],
    ['keys that need quoting', { '8080': 1, 'a: b': 2, '': 3, 'app.kubernetes.io/name': 'x', '- y': 4 }],
    ['numbers', { a: 0, b: -3, c: 1.5, d: -0, e: 1e21, f: Number.NaN, g: Infinity, h: 2 ** 53 }],
    ['nesting', { a: [], b: {}, c: [[1, [2, []]], { d: [{}, { e: null }] }], f: [{ g: [{ h: 1, i: [3] }] }], j: [undefined, true] }],
    ['undefined values', { a: undefined, b: { c: undefined }, d: [undefined] }],
    [
      'multi-line strings',
      {
        clip: 'one\ntwo\n',
        strip: 'one\ntwo',
        keep: 'one\n\ntwo\n\n',
        newline: '\n',
        newlines: '\n\n',
        lead: '  indented\nfirst line',
        empty: 'a\n\n\nb',
        spaces: 'a\n   \nb \n',
        quoted: 'bell\u0007\nsecond',
        deep: { b: { c: ['x\n  y', { d: [['p\nq\n']] }] } },
      },
    ],
    ['keys over several lines (js-yaml writes them)', { 'k\ney': 1, 'a\n': 'x\ny' }],
    ['values of other types (js-yaml writes them)', { a: new Date(0) }],
    ['top-level sequences and scalars', [{ a: 1 }, 'b', [2]]],
  ])('writes %s as js-yaml does', (_, value) => {
    expect(toYaml(value)).toBe(jsYaml(value));
  });

  it('writes a long key as js-yaml does (explicit)', () => {
    const value = { ['k'.repeat(1100)]: 'v', short: 'w' };
    expect(toYaml(value)).toBe(jsYaml(value));
  });

  it('writes top-level scalars as js-yaml does', () => {
    for (const value of ['x', '1', 3, null, true, 'a\nb', 'a\nb\n']) expect(toYaml(value)).toBe(jsYaml(value));
  });
});
