import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadAll } from 'js-yaml';
import { buildBundles, type KubeObject } from '@b2connect/k8s-lib/pipeline';
import { importLoader } from '../../../../libs/k8s-lib/test/helpers';
import { compareFileTrees, readFileTree } from '../../diff/compare';
import { runSwitch } from './executor';

const workspace = resolve(__dirname, '../../../..');

/** A copy of the workspace's packages and environments (prod has slots blue, live, and green), built. */
async function copyOfWorkspace(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'b2c-switch-ws-'));
  for (const dir of ['environments', 'services', 'infra']) {
    cpSync(join(workspace, dir), join(root, dir), { recursive: true, filter: (src) => !src.includes('node_modules') });
  }
  symlinkSync(join(workspace, 'node_modules'), join(root, 'node_modules'));
  await buildBundles(root, { environments: ['prod', 'staging'], load: importLoader });
  return root;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { log: (l: string) => out.push(l), error: (l: string) => err.push(l), load: importLoader } };
}

const prodFile = (root: string) => readFileSync(join(root, 'environments/prod.yaml'), 'utf8');
const bundleOf = (root: string) => readFileTree(join(root, 'dist/environments/prod'));

let root: string;
beforeAll(async () => {
  root = await copyOfWorkspace();
}, 120_000);

describe('switch executor', () => {
  it('fails when the slot bundle does not pass validation, and changes nothing', async () => {
    const file = join(root, 'dist/environments/prod/catalog/manifests.yaml');
    const good = readFileSync(file, 'utf8');
    const env = prodFile(root);
    // A privileged container in green's catalog, as a hand edit or a stale build would leave it.
    const docs = good.split('\n---\n');
    const green = docs.findIndex((d) => /^kind: (Deployment|Rollout)$/m.test(d) && d.includes('namespace: b2connect-green'));
    expect(green).toBeGreaterThan(-1);
    docs[green] = docs[green]!.replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true');
    writeFileSync(file, docs.join('\n---\n'));
    try {
      const { err, io } = capture();
      const result = await runSwitch(root, { to: 'green' }, 'prod', io);
      expect(result).toMatchObject({ success: false, changed: false });
      expect(err.join('\n')).toContain('prod: refusing to switch to green:');
      expect(err.join('\n')).toMatch(/(Deployment|Rollout)\/catalog.*allowPrivilegeEscalation/);
      expect(prodFile(root)).toBe(env);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('fails when a package has no bundle in the slot, and changes nothing', async () => {
    const file = join(root, 'dist/environments/prod/orders/manifests.yaml');
    const good = readFileSync(file, 'utf8');
    const env = prodFile(root);
    writeFileSync(
      file,
      good
        .split('\n---\n')
        .filter((d) => !d.includes('namespace: b2connect-green'))
        .join('\n---\n'),
    );
    try {
      const { err, io } = capture();
      expect(await runSwitch(root, { to: 'green' }, 'prod', io)).toMatchObject({ success: false, changed: false });
      expect(err.join('\n')).toContain("orders: has no objects in slot green (b2connect-green): the slot's bundle is missing");
      expect(prodFile(root)).toBe(env);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('fails on a slot the environment does not have, an environment without slots, and a missing --to', async () => {
    const a = capture();
    expect((await runSwitch(root, { to: 'red' }, 'prod', a.io)).success).toBe(false);
    expect(a.err).toEqual(['--to: "red" is not a slot of prod (slots: blue, green)']);
    const b = capture();
    expect((await runSwitch(root, { to: 'green' }, 'staging', b.io)).success).toBe(false);
    expect(b.err).toEqual(['environments/staging.yaml: slots: staging has no blue-green slots; there is nothing to switch']);
    const c = capture();
    expect((await runSwitch(root, {} as never, 'prod', c.io)).success).toBe(false);
    expect(c.err).toEqual(['--to: required by switch']);
  });

  it('changes only slots.live and the ingress bundle, prints the diff, and switching back restores the bytes', async () => {
    const envBefore = prodFile(root);
    const bundleBefore = bundleOf(root);
    const ingressObjects = (r: string, kind: string) =>
      (loadAll(readFileSync(join(r, 'dist/environments/prod/ingress/manifests.yaml'), 'utf8')) as KubeObject[]).filter(
        (o) => o.kind === kind,
      );
    const ingressBefore = ingressObjects(root, 'Ingress');
    expect(ingressBefore).toHaveLength(2);
    const aliasesBefore = ingressObjects(root, 'Service');
    expect(aliasesBefore).toHaveLength(6);

    const there = capture();
    const result = await runSwitch(root, { to: 'green' }, 'prod', there.io);
    expect(result).toMatchObject({ success: true, changed: true });
    // One line of the environment file, comments and all else as they were.
    const before = envBefore.split('\n');
    const after = prodFile(root).split('\n');
    expect(after).toHaveLength(before.length);
    const changed = before.flatMap((line, i) => (line === after[i] ? [] : [[line, after[i]]]));
    expect(changed).toEqual([['  live: blue', '  live: green']]);
    // The ingress bundle and the environment's record of it; no other package.
    const files = compareFileTrees(bundleBefore, bundleOf(root)).differences.map((d) => d.path);
    expect(files).toEqual(['bundle.json', 'ingress/kustomization.yaml', 'ingress/manifests.yaml']);
    expect(result.changedFiles).toEqual(files);
    const printed = there.out.join('\n');
    expect(printed).toContain('-  live: blue\n+  live: green');
    // The switch changes which slot's aliases the two Ingresses route to, never a host nor an alias:
    // no host moves between two Ingresses, so ingress-nginx's admission webhook has nothing to refuse,
    // and each slot's requests keep the Service name its frontends' SLOs select.
    expect(printed).toContain('`Ingress/b2connect`');
    expect(printed).toContain('`Ingress/b2connect-preview`');
    expect(printed).not.toContain('`Service/');
    expect(printed).not.toContain('externalName');
    expect(ingressObjects(root, 'Service')).toEqual(aliasesBefore);
    const view = (objects: KubeObject[]) =>
      objects.map((i) => ({
        name: i.metadata.name,
        tls: (i.spec as { tls: unknown }).tls,
        routes: (
          (i.spec as { rules: unknown }).rules as { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[]
        ).map((r) => `${r.host} -> ${r.http.paths[0]!.backend.service.name}`),
      }));
    const [publicBefore, previewBefore] = view(ingressBefore);
    expect(view(ingressObjects(root, 'Ingress'))).toEqual([
      {
        ...publicBefore,
        routes: [
          'api.b2connect.com -> api-gateway-green',
          'www.b2connect.com -> storefront-green',
          'admin.b2connect.com -> admin-portal-green',
        ],
      },
      {
        ...previewBefore,
        routes: [
          'preview-api.b2connect.com -> api-gateway-blue',
          'preview.b2connect.com -> storefront-blue',
          'preview-admin.b2connect.com -> admin-portal-blue',
        ],
      },
    ]);
    // Beside the backends' names, both Ingresses are as they were.
    const withoutBackends = (objects: KubeObject[]) =>
      JSON.parse(JSON.stringify(objects).replace(/"name":"(api-gateway|storefront|admin-portal)-(blue|green)"/g, '"name":"<alias>"'));
    expect(withoutBackends(ingressObjects(root, 'Ingress'))).toEqual(withoutBackends(ingressBefore));
    expect(publicBefore!.routes).toEqual([
      'api.b2connect.com -> api-gateway-blue',
      'www.b2connect.com -> storefront-blue',
      'admin.b2connect.com -> admin-portal-blue',
    ]);
    expect(printed).toContain('npx nx run environments:switch -c prod --to blue');

    const back = capture();
    expect(await runSwitch(root, { to: 'blue' }, 'prod', back.io)).toMatchObject({ success: true, changed: true });
    expect(prodFile(root)).toBe(envBefore);
    expect(compareFileTrees(bundleBefore, bundleOf(root)).differences).toEqual([]);
  }, 60_000);

  it('changes nothing when the slot is live already', async () => {
    const { out, io } = capture();
    expect(await runSwitch(root, { to: 'blue' }, 'prod', io)).toEqual({ success: true, changed: false, changedFiles: [] });
    expect(out).toEqual(['prod: blue is live already; nothing changed']);
  });
});
