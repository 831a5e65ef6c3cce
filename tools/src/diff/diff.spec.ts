import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from '@b2connect/k8s-lib/pipeline';
import { importLoader, makeWorkspace, webService, writeWorkspace } from '../../../libs/k8s-lib/test/helpers';
import { diffBundles, isSecretPath, readBundleTree, renderMarkdown, type BundleTree } from './diff';

async function constructedChange() {
  const root = makeWorkspace({
    packages: { orders: webService('orders', { autoscaling: { min: 2, max: 4 }, settings: { PageSize: '50' } }) },
  });
  await buildBundles(root, { load: importLoader });
  const base = mkdtempSync(join(tmpdir(), 'b2c-base-'));
  cpSync(join(root, 'dist/environments'), base, { recursive: true });
  // Change a setting, drop autoscaling (HPA pruned, replicas back), add a package.
  writeWorkspace(root, { packages: { orders: webService('orders', { settings: { PageSize: '60' } }), billing: webService('billing') } });
  await buildBundles(root, { load: importLoader });
  return { base, head: join(root, 'dist/environments') };
}

describe('bundle diff', () => {
  it('lists added, changed (field, old -> new) and pruned objects per environment and package', async () => {
    const { base, head } = await constructedChange();
    const changes = diffBundles(readBundleTree(base), readBundleTree(head));
    const prod = changes.filter((c) => c.env === 'prod');
    expect(prod.filter((c) => c.type === 'added').map((c) => `${c.pkg} ${c.object}`)).toContain('billing Deployment/billing');
    expect(prod.filter((c) => c.type === 'pruned').map((c) => `${c.pkg} ${c.object}`)).toEqual(['orders HorizontalPodAutoscaler/orders']);
    const cm = prod.find((c) => c.object === 'ConfigMap/orders-config')!;
    expect(cm.type).toBe('changed');
    expect(cm.fields).toContainEqual({ path: 'data.PageSize', before: '50', after: '60' });
    const deployment = prod.find((c) => c.object === 'Deployment/orders')!;
    expect(deployment.fields).toContainEqual({ path: 'spec.replicas', before: undefined, after: 3 });
  });

  it('shows a config renamed by its content as one change of its name and keys, not a deletion plus an addition', async () => {
    const { base, head } = await constructedChange();
    const orders = diffBundles(readBundleTree(base), readBundleTree(head)).filter((c) => c.env === 'prod' && c.pkg === 'orders');
    expect(orders.filter((c) => c.object.startsWith('ConfigMap/')).map((c) => `${c.type} ${c.object}`)).toEqual([
      'changed ConfigMap/orders-config',
    ]);
    const cm = orders.find((c) => c.object === 'ConfigMap/orders-config')!;
    const rename = cm.fields.find((f) => f.path === 'metadata.name')!;
    expect(rename.before).toMatch(/^orders-config-[0-9a-f]{10}$/);
    expect(rename.after).toMatch(/^orders-config-[0-9a-f]{10}$/);
    expect(rename.after).not.toBe(rename.before);
    // The pod template follows the new name.
    const template = orders.find((c) => c.object === 'Deployment/orders')!.fields.find((f) => f.path.endsWith('configMapRef.name'))!;
    expect([template.before, template.after]).toEqual([rename.before, rename.after]);
  });

  it('names objects that share a name in several namespaces (blue-green slots) with their namespace', () => {
    const root = mkdtempSync(join(tmpdir(), 'b2c-slots-'));
    mkdirSync(join(root, 'prod/web'), { recursive: true });
    const doc = (ns: string) => `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: ${ns}\n`;
    writeFileSync(join(root, 'prod/web/manifests.yaml'), doc('b2connect-blue') + doc('b2connect-green'));
    expect([...readBundleTree(root).get('prod')!.get('web')!.keys()]).toEqual([
      'Service/web (b2connect-blue)',
      'Service/web (b2connect-green)',
    ]);
  });

  it('prints a summary table first, then the changes folded per environment and package', async () => {
    const { base, head } = await constructedChange();
    const md = renderMarkdown(diffBundles(readBundleTree(base), readBundleTree(head)));
    expect(md).toMatch(
      /^## Bundle diff: 1[0-9] added, [1-9] changed, 1 pruned\n\n\| environment \| package \| added \| changed \| pruned \|\n/,
    );
    expect(md).toMatch(/\n\| prod \| billing \| [1-9][0-9]? \| 0 \| 0 \|\n/);
    expect(md.indexOf('| prod | orders |')).toBeLessThan(md.indexOf('<details>'));
    expect(md).toContain('### prod\n\n<details><summary><code>billing</code>: ');
    expect(md).toContain('\n\n- **added** `ConfigMap/billing-config`\n- **added** `Deployment/billing`');
    expect(md).toContain('- **changed** `ConfigMap/orders-config`\n  - `data.PageSize`: `50` → `60`');
    expect(md).toContain('- **pruned** `HorizontalPodAutoscaler/orders`');
    expect(md.match(/<details>/g)?.length).toBe(md.match(/<\/details>/g)?.length);
    expect(md).not.toContain('Left out');
  });

  it('never prints the values of secret-like fields', () => {
    const secretBase = new Map([['prod', new Map([['db', new Map([['Secret/db', { kind: 'Secret', data: { password: 'czNjcjN0' } }]])]])]]);
    const secretHead = new Map([['prod', new Map([['db', new Map([['Secret/db', { kind: 'Secret', data: { password: 'bmV3' } }]])]])]]);
    const md = renderMarkdown(diffBundles(secretBase, secretHead));
    expect(md).toContain('`data.password`: (hidden) → (hidden)');
    expect(md).not.toContain('czNjcjN0');
    expect(isSecretPath('ConfigMap/x', 'data.Jwt__SigningKey')).toBe(true);
    expect(isSecretPath('ConfigMap/x', 'data.PageSize')).toBe(false);
  });

  it('reports no change between identical bundles', async () => {
    const { head } = await constructedChange();
    expect(renderMarkdown(diffBundles(readBundleTree(head), readBundleTree(head)))).toBe(
      '## Bundle diff: 0 added, 0 changed, 0 pruned\n\nNo change.\n',
    );
  });
});

/** One object per package, in one environment: `tree({ prod: { orders: [deployment] } })`. */
function tree(spec: Record<string, Record<string, object[]>>): BundleTree {
  return new Map(
    Object.entries(spec).map(([env, pkgs]) => [
      env,
      new Map(
        Object.entries(pkgs).map(([pkg, objects]) => [
          pkg,
          new Map(objects.map((o) => [`${(o as any).kind}/${(o as any).metadata.name}`, o as unknown])),
        ]),
      ),
    ]),
  );
}

function deployment(container: object, pod: object = {}): object {
  return { kind: 'Deployment', metadata: { name: 'orders' }, spec: { template: { spec: { containers: [container], ...pod } } } };
}

const env = (...names: string[]) => names.map((name) => ({ name, value: `${name.toLowerCase()}-value` }));
const fieldsOf = (before: object, after: object) =>
  diffBundles(tree({ prod: { orders: [before] } }), tree({ prod: { orders: [after] } }))[0]?.fields;

describe('reading bundle folders', () => {
  const folder = () => mkdtempSync(join(tmpdir(), 'b2c-read-'));

  it('fails when the folder is missing', () => {
    const dir = folder();
    rmSync(dir, { recursive: true });
    expect(() => readBundleTree(dir)).toThrow(`${dir}: no such bundle folder (build it first: npm run build)`);
  });

  it('fails when the path is not a directory', () => {
    const file = join(folder(), 'bundle.json');
    writeFileSync(file, '{}\n');
    expect(() => readBundleTree(file)).toThrow(`${file}: not a directory`);
  });

  it('fails when the folder cannot be read', () => {
    const dir = folder();
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    expect(() => readBundleTree(join(dir, 'a'))).toThrow(new RegExp(`^${join(dir, 'a')}: cannot read the folder: .*ELOOP`));
  });

  it('fails when the folder holds no environment bundle', () => {
    const dir = folder();
    expect(() => readBundleTree(dir)).toThrow(`${dir}: holds no environment bundle (expected <env>/<package>/manifests.yaml)`);
    mkdirSync(join(dir, 'prod', 'orders'), { recursive: true });
    writeFileSync(join(dir, 'prod', 'bundle.json'), '{}\n');
    expect(() => readBundleTree(dir)).toThrow(`${dir}: holds no environment bundle`);
  });

  it('fails when a manifests.yaml does not parse, naming the file', () => {
    const dir = folder();
    mkdirSync(join(dir, 'prod', 'orders'), { recursive: true });
    const file = join(dir, 'prod', 'orders', 'manifests.yaml');
    writeFileSync(file, 'kind: ConfigMap\nmetadata: {name: x\n');
    expect(() => readBundleTree(dir)).toThrow(`${file}: not valid YAML: `);
    writeFileSync(file, 'kind: ConfigMap\nmetadata: {name: x}\n---\n- just a list\n');
    expect(() => readBundleTree(dir)).toThrow(`${file}: document 2: not a Kubernetes object (needs kind and metadata.name)`);
  });

  it('fails when a manifests.yaml cannot be read, naming the file', () => {
    const dir = folder();
    const file = join(dir, 'prod', 'orders', 'manifests.yaml');
    mkdirSync(file, { recursive: true });
    expect(() => readBundleTree(dir)).toThrow(new RegExp(`^${file}: cannot read the file: .*EISDIR`));
  });

  it('skips package folders without manifests.yaml and files next to the packages', () => {
    const dir = folder();
    mkdirSync(join(dir, 'prod', 'orders'), { recursive: true });
    mkdirSync(join(dir, 'prod', '.orders.new-1'), { recursive: true });
    mkdirSync(join(dir, 'prod', 'empty'), { recursive: true });
    writeFileSync(join(dir, 'prod', 'bundle.json'), '{}\n');
    writeFileSync(join(dir, 'prod', 'orders', 'manifests.yaml'), 'kind: ConfigMap\nmetadata: {name: x}\n');
    const read = readBundleTree(dir);
    expect([...read.keys()]).toEqual(['prod']);
    expect([...read.get('prod')!.keys()]).toEqual(['orders']);
    expect([...read.get('prod')!.get('orders')!.keys()]).toEqual(['ConfigMap/x']);
  });
});

describe('lists', () => {
  const app = (over: object = {}) => ({ name: 'app', image: 'orders:1', env: env('A', 'B', 'C'), ...over });
  const envPath = 'spec.template.spec.containers[name=app].env';

  it('reports one inserted list item as one added item, matched by name', () => {
    expect(fieldsOf(deployment(app()), deployment(app({ env: env('A', 'FOO', 'B', 'C') })))).toEqual([
      { path: `${envPath}[name=FOO]`, before: undefined, after: { name: 'FOO', value: 'foo-value' } },
    ]);
  });

  it('reports one removed list item as one removed item', () => {
    expect(fieldsOf(deployment(app()), deployment(app({ env: env('B', 'C') })))).toEqual([
      { path: `${envPath}[name=A]`, before: { name: 'A', value: 'a-value' }, after: undefined },
    ]);
  });

  it('reports only the changed field of a list item', () => {
    const changed = [...env('A'), { name: 'B', value: 'new' }, ...env('C')];
    expect(fieldsOf(deployment(app()), deployment(app({ env: changed })))).toEqual([
      { path: `${envPath}[name=B].value`, before: 'b-value', after: 'new' },
    ]);
  });

  it('reports a new order of keyed items once', () => {
    expect(fieldsOf(deployment(app()), deployment(app({ env: env('C', 'A', 'B') })))).toEqual([
      { path: envPath, before: ['name=A', 'name=B', 'name=C'], after: ['name=C', 'name=A', 'name=B'], order: true },
    ]);
  });

  it('matches by the next key field when names repeat', () => {
    const mounts = (...paths: string[]) => paths.map((mountPath) => ({ name: 'config', mountPath }));
    expect(
      fieldsOf(deployment(app({ volumeMounts: mounts('/a', '/b') })), deployment(app({ volumeMounts: mounts('/0', '/a', '/b') }))),
    ).toEqual([
      {
        path: 'spec.template.spec.containers[name=app].volumeMounts[mountPath=/0]',
        before: undefined,
        after: { name: 'config', mountPath: '/0' },
      },
    ]);
  });

  it('matches equal unkeyed items and scalars before positions', () => {
    const rule = (port: number) => ({
      from: [{ podSelector: { matchLabels: { app: `client-${port}` } } }],
      ports: [{ port, protocol: 'TCP' }],
    });
    const policy = (ports: number[]) => ({ kind: 'NetworkPolicy', metadata: { name: 'orders' }, spec: { ingress: ports.map(rule) } });
    expect(fieldsOf(policy([80, 81, 82]), policy([79, 80, 81, 82]))).toEqual([
      { path: 'spec.ingress[0]', before: undefined, after: rule(79) },
    ]);
    expect(fieldsOf(policy([80, 81, 82]), policy([80, 82]))).toEqual([{ path: 'spec.ingress[1]', before: rule(81), after: undefined }]);
    expect(fieldsOf(deployment(app({ args: ['--a', '--b'] })), deployment(app({ args: ['--a', '--x', '--b'] })))).toEqual([
      { path: 'spec.template.spec.containers[name=app].args[1]', before: undefined, after: '--x' },
    ]);
    expect(fieldsOf(deployment(app({ args: ['--a', '--b'] })), deployment(app({ args: ['--a', '--c'] })))).toEqual([
      { path: 'spec.template.spec.containers[name=app].args[1]', before: '--b', after: '--c' },
    ]);
  });

  it('prints keyed paths and hides secret-like values inside added items', () => {
    const secretEnv = [...env('A'), { name: 'DB_PASSWORD', value: 's3cr3t' }];
    const md = renderMarkdown(
      diffBundles(
        tree({ prod: { orders: [deployment(app()), { kind: 'ConfigMap', metadata: { name: 'orders-config' } }] } }),
        tree({
          prod: {
            orders: [
              deployment(app({ env: env('A', 'FOO', 'B', 'C') }), { initContainers: [{ name: 'migrate', env: secretEnv }] }),
              { kind: 'ConfigMap', metadata: { name: 'orders-config' }, data: { PageSize: '50', Jwt__SigningKey: 'k3y' } },
            ],
          },
        }),
      ),
    );
    expect(md).toContain('  - `spec.template.spec.containers[name=app].env[name=FOO]`: (none) → `{"name":"FOO","value":"foo-value"}`');
    expect(md).toContain('  - `data`: (none) → `{"PageSize":"50","Jwt__SigningKey":"(hidden)"}`');
    expect(md).toContain('"env":[{"name":"A","value":"a-value"},"(hidden)"]');
    expect(md).not.toContain('s3cr3t');
    expect(md).not.toContain('k3y');
  });
});

describe('size cap', () => {
  /** `count` packages, each with a ConfigMap whose 20 settings change. */
  function wideChange(count: number): { base: BundleTree; head: BundleTree } {
    const packages = Array.from({ length: count }, (_, i) => `package-${String(i).padStart(3, '0')}`);
    const config = (pkg: string, version: string) => ({
      kind: 'ConfigMap',
      metadata: { name: `${pkg}-config` },
      data: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`Setting${i}`, `${version}-${'x'.repeat(20)}`])),
    });
    return {
      base: tree({ prod: Object.fromEntries(packages.map((p) => [p, [config(p, 'v1')]])) }),
      head: tree({ prod: Object.fromEntries(packages.map((p) => [p, [config(p, 'v2')]])) }),
    };
  }

  it('stays within 60000 characters by default and says what was left out', () => {
    const { base, head } = wideChange(200);
    const md = renderMarkdown(diffBundles(base, head));
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md.match(/^\| prod \| package-\d+ \| 0 \| 1 \| 0 \|$/gm)).toHaveLength(200);
    const shown = md.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(10);
    expect(shown).toBeLessThan(200);
    expect(md).toContain(
      `\n**Left out** to stay within 60000 characters: the details of the last ${200 - shown} of 200 packages (${200 - shown} object changes).`,
    );
    expect(md.trimEnd().split('\n').pop()).toMatch(/^\*\*Left out\*\*/);
  });

  it('cuts the summary table too when it alone passes the cap', () => {
    const { base, head } = wideChange(200);
    const md = renderMarkdown(diffBundles(base, head), { maxChars: 3000 });
    expect(md.length).toBeLessThanOrEqual(3000);
    const rows = md.match(/^\| prod \| package-/gm)?.length ?? 0;
    expect(md).not.toContain('<details>');
    expect(md).toContain(`the details of the last 200 of 200 packages (200 object changes), and the last ${200 - rows} rows of the table.`);
  });

  it('shows everything under a large cap', () => {
    const { base, head } = wideChange(200);
    const md = renderMarkdown(diffBundles(base, head), { maxChars: 10_000_000 });
    expect(md.match(/<details>/g)).toHaveLength(200);
    expect(md).not.toContain('Left out');
  });
});
