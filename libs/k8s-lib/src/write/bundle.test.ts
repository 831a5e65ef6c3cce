import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigErrors } from '../errors';
import { buildBundles, synthesize } from './bundle';
import { renderBundleManifest } from './manifest';
import { pathInside, removeInside } from './writer';
import { writeEnvironments } from './environment-writer';
import { environment, importLoader, makeWorkspace, webService, writeWorkspace, type FixtureSpec } from '../../test/helpers';

const healthy: FixtureSpec = {
  packages: {
    gateway: webService('gateway', { component: 'api-gateway', dependsOn: ['orders'], autoscaling: { min: 2, max: 10 } }),
    orders: webService('orders'),
  },
};

/** The objects of a package's manifests.yaml in the written bundle. */
function objectsIn(root: string, env: string, pkg: string): any[] {
  return parseAllDocuments(readFileSync(join(root, 'dist/environments', env, pkg, 'manifests.yaml'), 'utf8')).map((d) => d.toJS());
}

async function failure(root: string): Promise<ConfigErrors> {
  try {
    await buildBundles(root, { load: importLoader });
  } catch (e) {
    if (e instanceof ConfigErrors) return e;
    throw e;
  }
  throw new Error('expected the build to fail');
}

/** Every file under dir with its content, for byte comparisons. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name), `${prefix}${entry.name}/`);
      else out[`${prefix}${entry.name}`] = readFileSync(join(d, entry.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

describe('buildBundles', () => {
  it('writes every package of every environment plus each environment index', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    for (const env of ['dev', 'prod']) {
      const index = parse(readFileSync(join(root, 'dist/environments', env, 'kustomization.yaml'), 'utf8'));
      expect(index.resources).toEqual(['gateway', 'orders']);
      const pkg = parse(readFileSync(join(root, 'dist/environments', env, 'gateway/kustomization.yaml'), 'utf8'));
      for (const file of pkg.resources) expect(existsSync(join(root, 'dist/environments', env, 'gateway', file))).toBe(true);
    }
    const hpa = objectsIn(root, 'prod', 'gateway').find((o) => o.kind === 'HorizontalPodAutoscaler');
    expect(hpa.metadata.namespace).toBe('b2connect');
    expect(objectsIn(root, 'dev', 'gateway').map((o) => o.kind)).not.toContain('HorizontalPodAutoscaler');
  });

  it('gives byte-identical bundles on a second run', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    const first = snapshotTree(join(root, 'dist'));
    await buildBundles(root, { load: importLoader });
    expect(snapshotTree(join(root, 'dist'))).toEqual(first);
  });

  it('writes the same bytes without keeping the objects, and counts every package it writes', async () => {
    const kept = makeWorkspace(healthy);
    const result = await buildBundles(kept, { load: importLoader });
    const notKept = makeWorkspace(healthy);
    const counted: string[] = [];
    const lean = await buildBundles(notKept, {
      load: importLoader,
      keepObjects: false,
      onPackage: (env, pkg, objects) => counted.push(`${env}/${pkg}: ${objects}`),
    });
    expect(snapshotTree(join(notKept, 'dist'))).toEqual(snapshotTree(join(kept, 'dist')));
    expect(lean.bundles.size).toBe(0);
    expect(counted).toEqual([...result.bundles].flatMap(([env, pkgs]) => [...pkgs].map(([pkg, o]) => `${env}/${pkg}: ${o.length}`)));
  });

  it('reports the problems of every environment before an error of rendering one, and renders none after a problem', async () => {
    const root = makeWorkspace({
      packages: { orders: webService('orders', { autoscaling: { min: 2, max: 4 }, overrides: { prod: { autoscaling: { min: 9 } } } }) },
    });
    const seen: string[] = [];
    const render = (env: string) => {
      seen.push(env);
      throw new Error(`cannot render ${env}`);
    };
    const failure = await synthesize(root, { load: importLoader, onEnvironment: render }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigErrors);
    expect((failure as ConfigErrors).message).toMatch(/overrides\.prod\.autoscaling\.min: min 9 is above max 4 in environment prod/);
    expect(seen).toEqual(['dev']);
    // Without a problem, the error of rendering is the one reported.
    const healthyRoot = makeWorkspace(healthy);
    await expect(synthesize(healthyRoot, { load: importLoader, onEnvironment: render })).rejects.toThrow('cannot render dev');
  });

  it('passes environment globals and dependency URLs to the ConfigMap', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    const cm = objectsIn(root, 'dev', 'gateway').find((o) => o.kind === 'ConfigMap');
    expect(cm.data).toMatchObject({
      ASPNETCORE_ENVIRONMENT: 'Development',
      HealthCheck__Enabled: 'true',
      Logging__LogLevel__Default: 'Debug',
      Services__Orders: 'http://orders.b2connect.svc:80',
    });
  });

  it('builds only the packages and environments asked for', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader, packages: ['orders'], environments: ['prod'], index: false });
    expect(readdirSync(join(root, 'dist/environments'))).toEqual(['prod']);
    expect(readdirSync(join(root, 'dist/environments/prod'))).toEqual(['bundle.json', 'orders']);
  });

  it('validates the packages it writes, not the dependencies it only synthesizes for the gate', async () => {
    const lib = join(__dirname, '..', 'index');
    const cdk8s = require.resolve('cdk8s');
    // A package that emits an object with a misspelled field, and a service that depends on it.
    const broken = [
      `import { ApiObject } from ${JSON.stringify(cdk8s)};`,
      `import { defineClusterPackage } from ${JSON.stringify(lib)};`,
      `export default defineClusterPackage({ name: 'broken', team: 'team-a', build(scope) {`,
      `  new ApiObject(scope, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: 'b2connect' }, dataa: { a: 'b' } });`,
      `} });`,
    ].join('\n');
    const root = makeWorkspace({ packages: { broken, orders: webService('orders', { dependsOn: ['broken'] }) } });
    await buildBundles(root, { load: importLoader, packages: ['orders'], environments: ['prod'] });
    expect(existsSync(join(root, 'dist/environments/prod/orders/manifests.yaml'))).toBe(true);
    await expect(buildBundles(root, { load: importLoader, packages: ['broken'], environments: ['prod'] })).rejects.toThrow(
      /services\/broken\/deploy.ts: \[prod\] ConfigMap\/broken: dataa: unknown field/,
    );
  });

  it('reports the time of each phase when asked, for profiling', async () => {
    const root = makeWorkspace(healthy);
    const timings = new Map<string, number>();
    await buildBundles(root, { load: importLoader, timings });
    expect([...timings.keys()].sort()).toEqual(['gate', 'load', 'render', 'resolve', 'synthesize', 'validate', 'write']);
    for (const ms of timings.values()) expect(ms).toBeGreaterThan(0);
  });

  it('records version, content hash, commit and k8s-lib version per package in the bundle manifest', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader, source: { commit: 'abc123' } });
    const manifest = JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8'));
    expect(Object.keys(manifest.packages)).toEqual(['gateway', 'orders']);
    expect(manifest.packages.orders).toEqual({
      version: '1.2.3',
      contentHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      commit: 'abc123',
      k8sLib: '0.1.0',
    });
    expect(parse(readFileSync(join(root, 'dist/environments/prod/orders/kustomization.yaml'), 'utf8')).metadata.annotations).toEqual({
      'b2connect.io/commit': 'abc123',
      'b2connect.io/content-hash': manifest.packages.orders.contentHash,
      'b2connect.io/k8s-lib-version': '0.1.0',
      'b2connect.io/version': '1.2.3',
    });
  });

  it('records the uncommitted changes of a dirty tree beside the commit', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader, source: { commit: 'abc123', uncommitted: 'sha256:dd' } });
    const manifest = JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8'));
    expect(manifest.packages.orders).toMatchObject({ commit: 'abc123', uncommitted: 'sha256:dd' });
    expect(parse(readFileSync(join(root, 'dist/environments/prod/orders/kustomization.yaml'), 'utf8')).metadata.annotations).toMatchObject({
      'b2connect.io/commit': 'abc123',
      'b2connect.io/uncommitted-changes': 'sha256:dd',
    });
  });

  it('records no commit without a source: a build is a function of its inputs, whatever commit a cache replays it in', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    const manifest = JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8'));
    expect(Object.keys(manifest.packages.orders)).toEqual(['version', 'contentHash', 'k8sLib']);
    const annotations = parse(readFileSync(join(root, 'dist/environments/prod/orders/kustomization.yaml'), 'utf8')).metadata.annotations;
    expect(Object.keys(annotations)).not.toContain('b2connect.io/commit');
  });

  it('updates only the rebuilt packages on a partial build, and the same commit from any starting state gives the same bundle', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader, source: { commit: 'c1' } });
    const manifest = () => JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8'));
    // The manifest always says what the package folders' kustomization.yaml files say.
    const agreesWithFolders = () =>
      expect(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8')).toBe(
        renderBundleManifest(join(root, 'dist/environments/prod'), 'prod'),
      );
    agreesWithFolders();
    const before = manifest();
    writeWorkspace(root, { packages: { orders: webService('orders', { settings: { Feature: 'on' } }) } });
    // The source may come as a promise (the executors ask git while the build runs).
    await buildBundles(root, { load: importLoader, source: Promise.resolve({ commit: 'c2' }), packages: ['orders'] });
    agreesWithFolders();
    const partial = manifest();
    expect(partial.packages.gateway).toEqual(before.packages.gateway);
    expect(partial.packages.orders.contentHash).not.toBe(before.packages.orders.contentHash);
    expect(partial.packages.orders.commit).toBe('c2');
    // A full build of c2 gives the bytes a clean checkout of c2 gives: dist never depends on what an
    // earlier run left (keeping an unchanged package's earlier commit is the publisher's job).
    await buildBundles(root, { load: importLoader, source: { commit: 'c2' } });
    const clean = makeWorkspace(healthy);
    writeWorkspace(clean, { packages: { orders: webService('orders', { settings: { Feature: 'on' } }) } });
    await buildBundles(clean, { load: importLoader, source: { commit: 'c2' } });
    expect(snapshotTree(join(root, 'dist'))).toEqual(snapshotTree(join(clean, 'dist')));
    agreesWithFolders();
  });

  it('removes the folder, the manifest entry and the index entry of a package that left the workspace, and says so', async () => {
    const root = makeWorkspace({ packages: { ...healthy.packages, billing: webService('billing') } });
    await buildBundles(root, { load: importLoader });
    rmSync(join(root, 'services/billing'), { recursive: true });
    const pruned: string[] = [];
    await buildBundles(root, { load: importLoader, packages: ['orders'], onPrune: (env, pkg) => pruned.push(`${env}/${pkg}`) });
    expect(pruned.sort()).toEqual(['dev/billing', 'prod/billing']);
    expect(existsSync(join(root, 'dist/environments/prod/billing'))).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(join(root, 'dist/environments/prod/bundle.json'), 'utf8')).packages)).toEqual([
      'gateway',
      'orders',
    ]);
    expect(readFileSync(join(root, 'dist/environments/prod/kustomization.yaml'), 'utf8')).not.toContain('billing');
  });

  it('removes the bundle of an environment that left the workspace', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    rmSync(join(root, 'environments/dev.yaml'));
    const pruned: string[] = [];
    await buildBundles(root, { load: importLoader, onPrune: (env, pkg) => pruned.push(pkg ? `${env}/${pkg}` : env) });
    expect(pruned).toEqual(['dev']);
    expect(existsSync(join(root, 'dist/environments/dev'))).toBe(false);
    // A folder the build did not write (no bundle.json) is not its to remove.
    mkdirSync(join(root, 'dist/environments/notes'));
    await buildBundles(root, { load: importLoader });
    expect(existsSync(join(root, 'dist/environments/notes'))).toBe(true);
    expect(existsSync(join(root, 'dist/environments/prod/orders'))).toBe(true);
  });

  it('fails with the error of a rejected source promise, after the synthesis, and writes nothing', async () => {
    const root = makeWorkspace(healthy);
    const source = Promise.reject(new Error('git is gone'));
    await expect(buildBundles(root, { load: importLoader, source })).rejects.toThrow('git is gone');
    expect(existsSync(join(root, 'dist'))).toBe(false);
  });

  it('reports the configuration errors, not a rejected source promise, when the synthesis fails', async () => {
    const root = makeWorkspace({ packages: { orders: webService('orders', { replica: 2 } as never) } });
    const source = Promise.reject(new Error('git is gone'));
    await expect(buildBundles(root, { load: importLoader, source })).rejects.toBeInstanceOf(ConfigErrors);
  });

  it('removes objects that left a package on rebuild', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    expect(objectsIn(root, 'prod', 'gateway').map((o) => o.kind)).toContain('HorizontalPodAutoscaler');
    writeWorkspace(root, { packages: { gateway: webService('gateway', { dependsOn: ['orders'], replicas: 2 }) } });
    await buildBundles(root, { load: importLoader });
    expect(objectsIn(root, 'prod', 'gateway').map((o) => o.kind)).not.toContain('HorizontalPodAutoscaler');
  });

  describe('on bad input: one clear error naming file and field, and nothing written', () => {
    it('fails with the problems of every stage at once: a typo in an environment file, an unknown dependsOn, a bad override', async () => {
      const dev = { ...environment('dev'), replicas: { defualt: 1, autoscaling: false } };
      const root = makeWorkspace({
        environments: { dev: dev as never, prod: environment('prod') },
        packages: {
          orders: webService('orders', { dependsOn: ['payments'] }),
          gateway: webService('gateway', { autoscaling: { min: 2, max: 4 }, overrides: { prod: { autoscaling: { min: 9 } } } }),
        },
      });
      const lines = (await failure(root)).message.split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          'environments/dev.yaml: replicas.defualt: unknown field',
          expect.stringMatching(/^services\/orders\/deploy\.ts: dependsOn\.0: "payments" is not a package of this workspace/),
          expect.stringMatching(
            /^services\/gateway\/deploy\.ts: overrides\.prod\.autoscaling\.min: min 9 is above max 4 in environment prod/,
          ),
        ]),
      );
      expect(existsSync(join(root, 'dist'))).toBe(false);
    });

    async function expectRejected(spec: FixtureSpec, message: string | RegExp): Promise<void> {
      const root = makeWorkspace(healthy);
      await buildBundles(root, { load: importLoader });
      const before = snapshotTree(join(root, 'dist'));
      writeWorkspace(root, spec);
      const err = await failure(root);
      expect(err.message).toMatch(message);
      expect(snapshotTree(join(root, 'dist'))).toEqual(before);
    }

    it('fails when an environment file is malformed YAML', async () => {
      await expectRejected(
        { environments: { prod: 'name: prod\nreplicas: {default: 3\n' }, packages: {} },
        /^environments\/prod\.yaml: invalid YAML at line \d+/m,
      );
    });

    it('fails when an environment file has an unknown field', async () => {
      await expectRejected(
        { environments: { dev: { ...environment('dev'), regsitry: 'x' } as never }, packages: {} },
        /^environments\/dev\.yaml: regsitry: unknown field$/m,
      );
    });

    it('fails when a package definition has an unknown field', async () => {
      await expectRejected(
        { packages: { orders: webService('orders', { replica: 2 } as never) } },
        /^services\/orders\/deploy\.ts: replica: unknown field$/m,
      );
    });

    it('fails when dependsOn names a package that does not exist', async () => {
      await expectRejected(
        { packages: { gateway: webService('gateway', { dependsOn: ['orders', 'payments'] }) } },
        /^services\/gateway\/deploy\.ts: dependsOn\.1: "payments" is not a package of this workspace \(known: gateway, orders\)$/m,
      );
    });

    it('fails when a probe uses a port that does not exist', async () => {
      await expectRejected(
        { packages: { orders: webService('orders', { health: { readiness: '/ready', liveness: '/live', port: 'admin' } }) } },
        /^services\/orders\/deploy\.ts: health\.port: probe port "admin" is not a declared port \(declared: http, metrics\)$/m,
      );
    });

    it('fails when HPA min is above max', async () => {
      await expectRejected(
        { packages: { orders: webService('orders', { autoscaling: { min: 5, max: 3 } }) } },
        /^services\/orders\/deploy\.ts: autoscaling\.min: min 5 is above max 3$/m,
      );
    });

    it('fails when an override names an environment that does not exist', async () => {
      await expectRejected(
        { packages: { orders: webService('orders', { overrides: { prd: { replicas: 2 } } }) } },
        /^services\/orders\/deploy\.ts: overrides\.prd: "prd" is not an environment \(known: dev, prod\)$/m,
      );
    });

    it('fails when a package setting collides with a platform setting', async () => {
      await expectRejected(
        { packages: { orders: webService('orders', { settings: { ASPNETCORE_ENVIRONMENT: 'Production' } }) } },
        /^services\/orders\/deploy\.ts: settings\.ASPNETCORE_ENVIRONMENT: is set by the platform/m,
      );
    });

    it('fails when the definition file cannot be loaded', async () => {
      await expectRejected({ packages: { orders: 'export default {;' } }, /^services\/orders\/deploy\.ts:1:17: cannot load: /m);
    });

    it('fails when a store refuses an environment, naming the file and the environment', async () => {
      const store = `export default { kind: 'store', spec: { name: 'db', team: 'data', component: 'database', image: { repository: 'library/postgres', tag: '16.4' }, port: 5432, credentials: { remoteKey: 'db' }, storage: { size: '1Gi' }, build: (_scope, ctx) => { if (!ctx.backups.objectStore) throw new Error('db needs backups.objectStore in environment ' + ctx.env.name); } } };\n`;
      await expectRejected(
        { packages: { db: store } },
        /^services\/db\/deploy\.ts: \[dev\] db needs backups\.objectStore in environment dev$/m,
      );
    });

    it('fails when a service depends on a store that does not exist', async () => {
      await expectRejected(
        { packages: { orders: webService('orders', { dependsOn: ['postgress'] }) } },
        /^services\/orders\/deploy\.ts: dependsOn\.0: "postgress" is not a package/m,
      );
    });

    it('reports the problems of several files at once', async () => {
      const root = makeWorkspace({
        environments: { dev: { ...environment('dev'), sizeProfile: 'tiny' as never }, prod: environment('prod') },
        packages: { orders: webService('orders', { dependsOn: ['nope'] }), gateway: webService('gateway', { name: 'gw' }) },
      });
      const err = await failure(root);
      expect(err.errors.map((e) => e.file).sort()).toEqual([
        'environments/dev.yaml',
        'services/gateway/deploy.ts',
        'services/orders/deploy.ts',
      ]);
      expect(existsSync(join(root, 'dist'))).toBe(false);
    });
  });

  it('leaves every previous environment intact when staging one fails, and says nothing was written', async () => {
    const root = makeWorkspace(healthy);
    await buildBundles(root, { load: importLoader });
    const before = snapshotTree(join(root, 'dist'));
    const files = new Map([['kustomization.yaml', 'changed\n']]);
    const out = join(root, 'dist/environments');
    const write = (env: string, fail = false) => ({
      dir: join(out, env),
      packages: new Map([['orders', files]]),
      keep: () => true,
      files: () => {
        if (fail) throw Object.assign(new Error('disk full'), { code: 'ENOSPC', path: join(out, env) });
        return new Map();
      },
    });
    expect(() => writeEnvironments(out, [write('dev'), write('prod', true)])).toThrow(
      /no space left on the device \(ENOSPC\); nothing was written, every previous bundle is intact/,
    );
    expect(snapshotTree(join(root, 'dist'))).toEqual(before);
    expect(readdirSync(out).filter((e) => e.startsWith('.'))).toEqual([]);
  });
});

describe('deletes confined to their folder', () => {
  it('fails when a path leaves its folder, or is the folder itself, and removes nothing', () => {
    const root = makeWorkspace({});
    const outside = join(root, 'keep');
    writeFileSync(outside, 'x');
    const inner = join(root, 'environments');
    for (const path of ['..', '../keep', '', '.', '/tmp', 'a/../../keep']) {
      expect(() => removeInside(inner, path), path).toThrow(/is not inside/);
    }
    expect(existsSync(outside)).toBe(true);
    expect(existsSync(join(inner, 'dev.yaml'))).toBe(true);
  });

  it('fails when a symbolic link inside leads outside', () => {
    const root = makeWorkspace({});
    symlinkSync(root, join(root, 'environments', 'escape'));
    expect(() => pathInside(join(root, 'environments'), 'escape/environments')).toThrow(/is not inside/);
  });

  it('removes a folder inside, and names that start with two dots are inside', () => {
    const root = makeWorkspace({});
    mkdirSync(join(root, 'environments', '..x'));
    removeInside(join(root, 'environments'), '..x');
    removeInside(join(root, 'environments'), 'dev.yaml');
    expect(existsSync(join(root, 'environments', '..x'))).toBe(false);
    expect(existsSync(join(root, 'environments', 'dev.yaml'))).toBe(false);
  });
});
