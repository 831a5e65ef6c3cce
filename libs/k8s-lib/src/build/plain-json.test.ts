import { ApiObject, App, Chart, JsonPatch, Lazy, Size, type IResolver, type ResolutionContext } from 'cdk8s';
import { Cpu, Deployment } from 'cdk8s-plus-28';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { synthesize } from '../write/bundle';
import { chartJson } from './plain-json';

const workspaceRoot = `${__dirname}/../../../..`;
/** cdk8s's own rendering of an object, whatever this module puts in its place meanwhile. */
const cdk8sToJson = ApiObject.prototype.toJson;

/** The object's JSON as cdk8s renders it and as `chartJson` does, as text: key order counts. */
function bothWays(chart: Chart): { ours: string; cdk8s: string } {
  const ours = JSON.stringify(chartJson(chart));
  const patched = ApiObject.prototype.toJson;
  ApiObject.prototype.toJson = cdk8sToJson;
  try {
    return { ours, cdk8s: JSON.stringify(chart.toJson()) };
  } finally {
    ApiObject.prototype.toJson = patched;
  }
}

function chart(resolvers?: IResolver[]): Chart {
  return new Chart(new App({ outdir: '/nonexistent', resolvers }), 'Test', { namespace: 'b2connect', disableResourceNameHashes: true });
}

afterEach(() => vi.restoreAllMocks());

describe('chartJson', () => {
  it('renders every object of every environment of this workspace as cdk8s does, key order included', async () => {
    const differing: string[] = [];
    let compared = 0;
    const toJson = Chart.prototype.toJson;
    vi.spyOn(Chart.prototype, 'toJson').mockImplementation(function (this: Chart) {
      // Called inside chartJson: the fast rendering is in place. Render the same chart with cdk8s's too.
      const ours = toJson.call(this);
      const patched = ApiObject.prototype.toJson;
      ApiObject.prototype.toJson = cdk8sToJson;
      try {
        const theirs = toJson.call(this);
        compared += theirs.length;
        if (JSON.stringify(ours) !== JSON.stringify(theirs)) differing.push(this.node.path);
      } finally {
        ApiObject.prototype.toJson = patched;
      }
      return ours;
    });
    await synthesize(workspaceRoot, { load: (file) => import(/* @vite-ignore */ file) });
    expect(compared).toBeGreaterThan(300);
    expect(differing).toEqual([]);
    // Put back after the run.
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
  }, 120_000);

  it('sorts keys and leaves out null values as cdk8s does, nested and at the top level', () => {
    const c = chart();
    new ApiObject(c, 'Plain', {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'thing', labels: { z: '1', a: '2' } },
      spec: { zeta: [3, null, undefined, { b: 1, a: [{}] }], alpha: { none: null, off: false, zero: 0, empty: '' }, '10': 'x', '9': 'y' },
      data: { 'b.json': '{}', 'a.json': '[]' },
    } as never);
    const { ours, cdk8s } = bothWays(c);
    expect(ours).toBe(cdk8s);
    expect(Object.keys(JSON.parse(ours)[0])).toEqual(['apiVersion', 'kind', 'metadata', 'data', 'spec']);
  });

  it('hands Lazy values, tokens with resolve() and number-or-string unions to cdk8s, wherever they are', () => {
    const c = chart();
    const token = { resolve: () => ({ from: 'token', n: 1 }) };
    new ApiObject(c, 'Tokens', {
      apiVersion: 'example.com/v1',
      kind: 'Thing',
      metadata: { name: 'tokens' },
      spec: { lazy: Lazy.any({ produce: () => ({ y: [Lazy.any({ produce: () => 'deep' })], x: null }) }), token, list: [token, 'plain'] },
    } as never);
    new Deployment(c, 'Web', {
      containers: [{ image: 'nginx', resources: { cpu: { request: Cpu.millis(250) }, memory: { limit: Size.mebibytes(256) } } }],
    });
    const { ours, cdk8s } = bothWays(c);
    expect(ours).toBe(cdk8s);
    expect(ours).toContain('"deep"');
    expect(ours).toContain('"from":"token"');
    expect(ours).toContain('"256Mi"');
  });

  it('produces Lazy values in the order cdk8s does, whatever the sorted order of their keys', () => {
    const renderings = [false, true].map((ours) => {
      let n = 0;
      const c = chart();
      new ApiObject(c, 'Counted', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'counted' },
        data: { z: Lazy.any({ produce: () => `z${n++}` }), a: Lazy.any({ produce: () => `a${n++}` }) },
      });
      if (ours) return JSON.stringify(chartJson(c));
      const patched = ApiObject.prototype.toJson;
      ApiObject.prototype.toJson = cdk8sToJson;
      try {
        return JSON.stringify(c.toJson());
      } finally {
        ApiObject.prototype.toJson = patched;
      }
    });
    expect(renderings[1]).toBe(renderings[0]);
    expect(JSON.parse(renderings[1]!)[0].data).toEqual({ a: 'a1', z: 'z0' });
  });

  it('fails with cdk8s’s own error when an object holds both a failing Lazy and a value it cannot render', () => {
    class Foo {}
    const build = () => {
      const c = chart();
      new ApiObject(c, 'Broken', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'broken' },
        data: {
          b: Lazy.any({
            produce: () => {
              throw new Error('lazy failed');
            },
          }),
          a: new Foo(),
        },
      } as never);
      return c;
    };
    let theirs = '';
    try {
      build().toJson();
    } catch (e) {
      theirs = (e as Error).message;
    }
    expect(theirs).toContain('lazy failed');
    expect(() => chartJson(build())).toThrow(theirs);
  });

  it('renders an App with resolvers of its own as cdk8s does, also when a Lazy renders it in the middle of another chart', () => {
    const redact: IResolver = {
      resolve(context: ResolutionContext) {
        if (context.value === 'secret') context.replaceValue('REDACTED');
      },
    };
    const inner = chart([redact]);
    new ApiObject(inner, 'Inner', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inner' }, data: { a: 'secret' } });
    let nested: any;
    const outer = chart();
    new ApiObject(outer, 'Outer', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'outer' },
      data: { b: Lazy.any({ produce: () => ((nested = chartJson(inner)), 'done') }) },
    });
    chartJson(outer);
    expect(nested[0].data).toEqual({ a: 'REDACTED' });
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
  });

  it('applies an object’s JSON patches as cdk8s does', () => {
    const c = chart();
    const o = new ApiObject(c, 'Patched', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { a: '1' } });
    o.addJsonPatch(JsonPatch.add('/data/b', '2'), JsonPatch.remove('/data/a'));
    const { ours, cdk8s } = bothWays(c);
    expect(ours).toBe(cdk8s);
    expect(JSON.parse(ours)[0].data).toEqual({ b: '2' });
  });

  it('renders as cdk8s does, its way, for an App with resolvers of its own', () => {
    const upper: IResolver = {
      resolve(context: ResolutionContext) {
        if (typeof context.value === 'string' && context.value.startsWith('up:'))
          context.replaceValue(context.value.slice(3).toUpperCase());
      },
    };
    const c = chart([upper]);
    new ApiObject(c, 'Custom', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'up:loud' } });
    const { ours, cdk8s } = bothWays(c);
    expect(ours).toBe(cdk8s);
    expect(JSON.parse(ours)[0].data).toEqual({ a: 'LOUD' });
  });

  it('names the construct that cannot be rendered, and puts cdk8s’s rendering back', () => {
    const c = chart();
    new ApiObject(c, 'Bad', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' }, data: { when: new Date(0) } } as never);
    expect(() => chartJson(c)).toThrow(/Failed serializing construct at path 'Test\/Bad'.*can't render non-simple object of type 'Date'/);
    expect(ApiObject.prototype.toJson).toBe(cdk8sToJson);
  });
});
