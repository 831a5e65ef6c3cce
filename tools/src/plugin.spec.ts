import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CreateDependenciesContext, CreateNodesContextV2 } from '@nx/devkit';
import { environment, makeWorkspace, webService } from '../../libs/k8s-lib/test/helpers';
import { createDependencies, createNodesV2, staticDependsOn } from './plugin';

function workspace(): string {
  const root = makeWorkspace({ environments: { dev: environment('dev'), prod: environment('prod') } });
  for (const [name, deps] of [
    ['gateway', ['orders']],
    ['orders', []],
  ] as const) {
    const dir = join(root, 'services', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@b2connect/${name}`, version: '1.0.0' }));
    // CommonJS so that plain `require` (what the plugin uses under Nx's transpiler) loads it here too.
    writeFileSync(join(dir, 'deploy.ts'), `module.exports = { default: ${JSON.stringify(webService(name, { dependsOn: [...deps] }))} };\n`);
  }
  return root;
}

async function nodes(root: string) {
  const [, create] = createNodesV2;
  const files = ['services/gateway/deploy.ts', 'services/orders/deploy.ts', 'environments/dev.yaml', 'environments/prod.yaml'];
  const results = await create(files, undefined, { workspaceRoot: root, nxJsonConfiguration: {} } as CreateNodesContextV2);
  return Object.assign({}, ...results.map(([, r]) => r.projects));
}

describe('nx plugin', () => {
  it('infers synth and test targets for each package from its deploy.ts', async () => {
    const projects = await nodes(workspace());
    const gateway = projects['services/gateway'];
    expect(gateway.name).toBe('@b2connect/gateway');
    expect(gateway.targets.synth).toMatchObject({
      executor: '@b2connect/nx-plugin:synth',
      options: { environment: '*', package: 'gateway' },
      configurations: { dev: { environment: 'dev' }, prod: { environment: 'prod' } },
      cache: true,
      outputs: ['{workspaceRoot}/dist/environments/{options.environment}/gateway'],
    });
    expect(gateway.targets.synth.inputs).toEqual(expect.arrayContaining(['deployable', '^deployable', 'environments']));
    expect(gateway.targets.synth.metadata.description).toMatch(/Synthesize/);
    expect(gateway.targets.test.command).toContain('services/gateway/');
    // A deploy names its environment (-c <env>): no default that would deploy every environment.
    expect(gateway.targets.deploy.options).toEqual({ package: 'gateway' });
    expect(gateway.targets.deploy.configurations).toEqual({ dev: { environment: 'dev' }, prod: { environment: 'prod' } });
  });

  it('infers the environments project that writes the indexes', async () => {
    const projects = await nodes(workspace());
    expect(projects.environments.targets.synth.outputs).toEqual([
      '{workspaceRoot}/dist/environments/{options.environment}/kustomization.yaml',
      '{workspaceRoot}/dist/environments/{options.environment}/network.md',
    ]);
  });

  it('infers the whole-bundle build of the environments project: one cached task over every package', async () => {
    const { build } = (await nodes(workspace())).environments.targets;
    expect(build).toMatchObject({
      executor: '@b2connect/nx-plugin:synth',
      options: { environment: '*', all: true },
      configurations: { dev: { environment: 'dev' }, prod: { environment: 'prod' } },
      cache: true,
      outputs: ['{workspaceRoot}/dist/environments/{options.environment}'],
    });
    // Everything a bundle is made from is an input, tests and docs are not.
    expect(build.inputs).toEqual(
      expect.arrayContaining([
        '{workspaceRoot}/services/**/*',
        '{workspaceRoot}/infra/**/*',
        '{workspaceRoot}/libs/k8s-lib/**/*',
        '!{workspaceRoot}/**/*.test.ts',
        'environments',
        'synthesizer',
      ]),
    );
  });

  it('turns every dependsOn entry into a project-graph edge', async () => {
    const root = workspace();
    const deps = await createDependencies(undefined, {
      workspaceRoot: root,
      projects: { '@b2connect/gateway': { root: 'services/gateway' }, '@b2connect/orders': { root: 'services/orders' } },
    } as unknown as CreateDependenciesContext);
    expect(deps).toEqual([
      { source: '@b2connect/gateway', target: '@b2connect/orders', sourceFile: 'services/gateway/deploy.ts', type: 'static' },
    ]);
  });

  const context = (root: string) =>
    ({
      workspaceRoot: root,
      projects: { '@b2connect/gateway': { root: 'services/gateway' }, '@b2connect/orders': { root: 'services/orders' } },
    }) as unknown as CreateDependenciesContext;

  it('reads a literal dependsOn from the source without running the definition', async () => {
    const root = workspace();
    // Running this file would fail: the module it imports does not exist.
    writeFileSync(
      join(root, 'services/gateway/deploy.ts'),
      `import { defineWebService } from './missing-module';\nexport default defineWebService({ name: 'gateway', dependsOn: ['orders'] as const });\n`,
    );
    expect(await createDependencies(undefined, context(root))).toEqual([
      expect.objectContaining({ source: '@b2connect/gateway', target: '@b2connect/orders' }),
    ]);
  });

  it('sees a changed definition in a long-lived process (the daemon)', async () => {
    const root = workspace();
    expect(await createDependencies(undefined, context(root))).toHaveLength(1);
    writeFileSync(
      join(root, 'services/gateway/deploy.ts'),
      `module.exports = { default: { spec: { name: 'gateway', dependsOn: [] } } };\n`,
    );
    expect(await createDependencies(undefined, context(root))).toEqual([]);
  });

  it('reads dependsOn statically only when the source states it literally', () => {
    const define = (body: string) => `import { defineWebService } from '@b2connect/k8s-lib';\nexport default defineWebService(${body});\n`;
    expect(staticDependsOn(define(`{ name: 'a', dependsOn: ['b', "c"] }`))).toEqual(['b', 'c']);
    expect(staticDependsOn(define(`{ name: 'a', settings: { dependsOn: ['x'] } }`))).toEqual([]);
    // A definition written as data, as the generated and test workspaces do.
    expect(staticDependsOn(`export default { kind: 'web-service', spec: { name: 'a', dependsOn: ['b'] } };`)).toEqual(['b']);
    expect(staticDependsOn(`export default { kind: 'web-service', spec: { name: 'a' } } satisfies object;`)).toEqual([]);
    // Anything else is left to running the module.
    expect(staticDependsOn(define(`{ ...shared, name: 'a' }`))).toBeUndefined();
    expect(staticDependsOn(define(`{ name: 'a', dependsOn: deps }`))).toBeUndefined();
    expect(staticDependsOn(define(`{ name: 'a', dependsOn: ['b', other] }`))).toBeUndefined();
    expect(staticDependsOn(define(`{ name: 'a', dependsOn }`))).toBeUndefined();
    expect(staticDependsOn(`const spec = { dependsOn: ['b'] };\nexport default defineWebService(spec);`)).toBeUndefined();
    expect(staticDependsOn(`module.exports = {};`)).toBeUndefined();
    expect(staticDependsOn(`export default { name: 'a', dependsOn: ['b'] };`)).toBeUndefined();
    expect(staticDependsOn(define(`{ name: 'a', get dependsOn() { return ['b']; } }`))).toBeUndefined();
    expect(staticDependsOn(define(`{ name: 'a', dependsOn() { return ['b']; } }`))).toBeUndefined();
    expect(staticDependsOn(define(`{ name: 'a', ['depends' + 'On']: ['b'] }`))).toBeUndefined();
    expect(staticDependsOn(`export default withPostgres({ name: 'a' });`)).toBeUndefined();

    expect(staticDependsOn(`export default {{{`)).toBeUndefined();
  });

  it('reads dependsOnAll as a dependency on every package, and gives up when it is computed', () => {
    expect(staticDependsOn(`export default defineClusterPackage({ name: 'gitops', dependsOnAll: true });`)).toBe('*');
    expect(staticDependsOn(`export default defineClusterPackage({ name: 'gitops', dependsOnAll: false, dependsOn: ['a'] });`)).toEqual([
      'a',
    ]);
    expect(staticDependsOn(`export default defineClusterPackage({ name: 'gitops', dependsOnAll: all });`)).toBeUndefined();
  });

  it('makes a dependsOnAll package and the environments project depend on every package, a package added since included', async () => {
    const root = workspace();
    writeFileSync(
      join(root, 'services/orders/deploy.ts'),
      `module.exports = { default: { kind: 'cluster', spec: { name: 'orders', team: 't', dependsOnAll: true } } };\n`,
    );
    const projects = {
      environments: { root: 'environments' },
      '@b2connect/gateway': { root: 'services/gateway' },
      '@b2connect/orders': { root: 'services/orders' },
    };
    const deps = await createDependencies(undefined, { workspaceRoot: root, projects } as unknown as CreateDependenciesContext);
    expect(deps.filter((d) => d.source === '@b2connect/orders').map((d) => [d.target, d.type])).toEqual([
      ['@b2connect/gateway', 'implicit'],
    ]);
    expect(deps.filter((d) => d.source === 'environments').map((d) => d.target)).toEqual(['@b2connect/gateway', '@b2connect/orders']);
  });

  it('reads the same dependsOn statically as the loaded definition, for every package of this workspace', async () => {
    const root = join(__dirname, '../..');
    const files = ['services', 'infra'].flatMap((dir) =>
      readdirSync(join(root, dir)).flatMap((pkg) =>
        existsSync(join(root, dir, pkg, 'deploy.ts')) ? [join(root, dir, pkg, 'deploy.ts')] : [],
      ),
    );
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const { spec } = ((await import(file)) as { default: { spec: { dependsOn?: string[]; dependsOnAll?: boolean } } }).default;
      const loaded = spec.dependsOnAll ? '*' : (spec.dependsOn ?? []);
      expect({ file, dependsOn: staticDependsOn(readFileSync(file, 'utf8')) }).toEqual({ file, dependsOn: loaded });
    }
  });
});
