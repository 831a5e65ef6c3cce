import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigErrors } from '../errors';
import { importLoader, makeWorkspace, webService, type FixtureSpec } from '../../test/helpers';
import { loadWorkspace, type ModuleLoader } from './workspace';

/** The error lines of a workspace that must not load. */
async function failure(
  spec: FixtureSpec,
  extra: Record<string, string> = {},
  load: ModuleLoader = importLoader,
  prepare: (root: string) => void = () => {},
): Promise<string[]> {
  const root = makeWorkspace(spec);
  for (const [file, text] of Object.entries(extra)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  prepare(root);
  const err = await loadWorkspace(root, load).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigErrors);
  return (err as ConfigErrors).message.split('\n');
}

async function loads(spec: FixtureSpec, extra: Record<string, string> = {}): Promise<void> {
  const root = makeWorkspace(spec);
  for (const [file, text] of Object.entries(extra)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  await expect(loadWorkspace(root, importLoader)).resolves.toBeDefined();
}

/** A deploy.ts written as source: data, with `lines` before the export. */
const source = (def: object, lines: string[] = []) => `${lines.join('\n')}\nexport default ${JSON.stringify(def, null, 2)};\n`;

describe('imports across packages', () => {
  const search = webService('search');

  it('fails when a package imports another package deploy.ts it does not declare, naming file, import and fix', async () => {
    const lines = await failure({
      packages: { search, catalog: source(webService('catalog'), [`import searchDef from '../search/deploy';`, 'void searchDef;']) },
    });
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^services\/catalog\/deploy\.ts:1:23: imports "\.\.\/search\/deploy" \(services\/search\/deploy\.ts\), code of package search, which catalog does not declare: .*nx affected.*; declare "search" in dependsOn, or move the shared code into @b2connect\/k8s-lib$/,
      ),
    );
  });

  it('fails when a package imports another package by its npm name', async () => {
    const lines = await failure(
      { packages: { search, catalog: source(webService('catalog'), [`export { default as s } from '@b2connect/search';`]) } },
      // As npm workspaces install it: a link to the package folder.
      { 'services/search/package.json': JSON.stringify({ name: '@b2connect/search', version: '1.2.3', main: 'deploy.ts' }) },
      importLoader,
      (root) => {
        mkdirSync(join(root, 'node_modules', '@b2connect'), { recursive: true });
        symlinkSync(join(root, 'services', 'search'), join(root, 'node_modules', '@b2connect', 'search'));
      },
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^services\/catalog\/deploy\.ts:1:\d+: imports "@b2connect\/search", code of package search, which catalog does not declare/,
      ),
    );
  });

  it('fails when a file of the package imports a file of another package, through require and import()', async () => {
    const lines = await failure(
      { packages: { search, catalog: source(webService('catalog'), [`import { ports } from './lib/ports';`, 'void ports;']) } },
      {
        'services/catalog/lib/ports.ts': `export const ports = require('../../search/deploy.ts');\nexport const later = () => import(\`../../search/helpers\`);\n`,
        'services/search/helpers.ts': 'export const x = 1;\n',
      },
    );
    expect(lines.filter((l) => l.includes('code of package search'))).toEqual([
      expect.stringMatching(
        /^services\/catalog\/lib\/ports\.ts:1:30: imports "\.\.\/\.\.\/search\/deploy\.ts" \(services\/search\/deploy\.ts\)/,
      ),
      expect.stringMatching(
        /^services\/catalog\/lib\/ports\.ts:2:35: imports "\.\.\/\.\.\/search\/helpers" \(services\/search\/helpers\.ts\)/,
      ),
    ]);
  });

  it('fails when a package imports code that no package owns', async () => {
    const lines = await failure(
      { packages: { catalog: source(webService('catalog'), [`import { x } from '../shared';`, 'void x;']) } },
      { 'services/shared.ts': 'export const x = 1;\n' },
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^services\/catalog\/deploy\.ts:1:19: imports "\.\.\/shared" \(services\/shared\.ts\), which no package owns: .*; move the shared code into @b2connect\/k8s-lib$/,
      ),
    );
  });

  it('fails when the default require loader sees a module of another package loaded by a computed name', async () => {
    // CommonJS in a .ts file: Node's own require loads it without a TypeScript hook.
    const cjs = (def: object, lines: string[] = []) => `${lines.join('\n')}\nmodule.exports = { default: ${JSON.stringify(def)} };\n`;
    const lines = await failure(
      {
        packages: {
          search: cjs(search),
          catalog: cjs(webService('catalog'), [`const where = '../' + 'search/deploy.ts';`, 'require(where);']),
        },
      },
      {},
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (file) => require(file),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^services\/catalog\/deploy\.ts: loads services\/search\/deploy\.ts at run time, code of package search, which catalog does not declare/,
      ),
    );
  });

  it('reports the import beside the definition own errors', async () => {
    const lines = await failure({
      packages: { search, catalog: source(webService('catalog', { replica: 2 } as never), [`import '../search/deploy';`]) },
    });
    expect(lines).toEqual([
      'services/catalog/deploy.ts: replica: unknown field',
      expect.stringMatching(/^services\/catalog\/deploy\.ts:1:8: imports "\.\.\/search\/deploy"/),
    ]);
  });

  it('accepts imports of a declared dependency, of the library, of npm and node modules, of its own files, and type-only imports', async () => {
    await loads(
      {
        packages: {
          search,
          catalog: source(webService('catalog', { dependsOn: ['search'] }), [
            `import searchDef from '../search/deploy';`,
            `import type { Construct } from 'constructs';`,
            `import type { X } from '../../services/orders/deploy';`,
            `import { join } from 'node:path';`,
            `import { z } from 'zod';`,
            `import { local } from './local';`,
            'void searchDef, join, z, local;',
          ]),
        },
      },
      { 'services/catalog/local.ts': `export const local = 1;\n` },
    );
  });
});

describe('dependency cycles', () => {
  it('fails when two packages depend on each other, with the path of the cycle', async () => {
    const lines = await failure({
      packages: { catalog: webService('catalog', { dependsOn: ['search'] }), search: webService('search', { dependsOn: ['catalog'] }) },
    });
    expect(lines).toEqual([expect.stringMatching(/^services\/catalog\/deploy\.ts: dependsOn: cycle catalog -> search -> catalog: /)]);
  });

  it('fails once per cycle, each on the file of its first package by name', async () => {
    const lines = await failure({
      packages: {
        a: webService('a', { dependsOn: ['b'] }),
        b: webService('b', { dependsOn: ['c', 'a'] }),
        c: webService('c', { dependsOn: ['a', 'd'] }),
        d: webService('d', { dependsOn: ['e'] }),
        e: webService('e', { dependsOn: ['d'] }),
        f: webService('f', { dependsOn: ['a', 'e'] }),
      },
    });
    expect(lines.map((l) => /^(\S+): dependsOn: cycle ([^:]+):/.exec(l)?.slice(1))).toEqual([
      ['services/a/deploy.ts', 'a -> b -> a'],
      ['services/a/deploy.ts', 'a -> b -> c -> a'],
      ['services/d/deploy.ts', 'd -> e -> d'],
    ]);
  });

  it('fails when a package depends on a package that depends on every package', async () => {
    const gitops = `export default { kind: 'cluster', spec: { name: 'gitops', team: 'platform', dependsOnAll: true, build: () => {} } };\n`;
    const lines = await failure({ packages: { gitops, catalog: webService('catalog', { dependsOn: ['gitops'] }) } });
    expect(lines).toEqual([
      'services/catalog/deploy.ts: dependsOn.0: cycle catalog -> gitops -> catalog: gitops depends on every package (dependsOnAll); remove "gitops"',
    ]);
  });

  it('accepts dependencies without a cycle, diamonds included', async () => {
    await loads({
      packages: {
        gateway: webService('gateway', { dependsOn: ['orders', 'catalog'] }),
        orders: webService('orders', { dependsOn: ['catalog'] }),
        catalog: webService('catalog'),
      },
    });
  });
});

describe('definitions that do not load', () => {
  it('fails with the line and column of a syntax error, and the parser message', async () => {
    const broken = [
      "import { defineWebService } from '@b2connect/k8s-lib';",
      '',
      'export default defineWebService({',
      "  name: 'catalog',",
      "  team: 'catalog'",
      "  description: 'x',",
      '});',
      '',
    ].join('\n');
    expect(await failure({ packages: { catalog: broken } })).toEqual([
      "services/catalog/deploy.ts:6:3: cannot load: Expected ',', got 'ident'",
    ]);
  });

  it('fails with the line and column of a syntax error in a file the definition imports', async () => {
    const lines = await failure(
      { packages: { catalog: source(webService('catalog'), [`import { x } from './lib';`, 'void x;']) } },
      { 'services/catalog/lib.ts': 'export const x = "abc;\n' },
    );
    expect(lines).toEqual(['services/catalog/lib.ts:1:18: cannot load: Unterminated string constant']);
  });

  it('fails with where the definition threw while loading', async () => {
    const lines = await failure({ packages: { catalog: `const x = 1;\nif (x) throw new Error('no registry');\nexport default {};\n` } });
    expect(lines).toEqual(['services/catalog/deploy.ts:2:14: cannot load: no registry']);
  });

  it('fails with the position swc gives at the end of the file when a definition is cut short', async () => {
    expect(await failure({ packages: { catalog: 'export default {\n  a: 1,\n' } })).toEqual([
      expect.stringMatching(/^services\/catalog\/deploy\.ts:2:\d+: cannot load: Unexpected token `<eof>`/),
    ]);
  });
});

describe('definitions with a missing field', () => {
  it('fails saying the field is missing, not that its value is invalid', async () => {
    const def = webService('catalog');
    const { team: _, ...spec } = def.spec as Record<string, unknown>;
    const lines = await failure({ packages: { catalog: { ...def, spec } as never } });
    expect(lines).toEqual([expect.stringMatching(/^services\/catalog\/deploy\.ts: team: required field is missing/)]);
  });
});
