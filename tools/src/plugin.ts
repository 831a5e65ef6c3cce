import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodesV2, type TargetConfiguration } from '@nx/devkit';

/**
 * Infers the targets of every deployable package from its marker file (`deploy.ts`), and of the
 * `environments` project from the environment files. No package has a hand-written project.json.
 */

const MARKERS = '{services/*/deploy.ts,infra/*/deploy.ts,environments/*.yaml}';

/** Everything a synthesis reads besides the package itself and k8s-lib. */
const SYNTH_INPUTS = [
  'environments',
  'synthesizer',
  { externalDependencies: ['cdk8s', 'cdk8s-plus-28', 'constructs', 'kubernetes-models', 'yaml', 'zod'] },
];

function environmentNames(workspaceRoot: string): string[] {
  try {
    return readdirSync(join(workspaceRoot, 'environments'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

function synthTarget(workspaceRoot: string, pkg: string | undefined, outputs: string[], description: string): TargetConfiguration {
  return {
    executor: '@b2connect/nx-plugin:synth',
    options: pkg ? { environment: '*', package: pkg } : { environment: '*' },
    configurations: Object.fromEntries(environmentNames(workspaceRoot).map((env) => [env, { environment: env }])),
    cache: true,
    inputs: pkg ? ['deployable', '^deployable', ...SYNTH_INPUTS] : ['{workspaceRoot}/{services,infra}/*/package.json', ...SYNTH_INPUTS],
    outputs,
    metadata: { description },
  };
}

export const createNodesV2: CreateNodesV2 = [
  MARKERS,
  (files, options, context) =>
    createNodesFromFiles(
      (file) => {
        if (file.startsWith('environments/')) {
          return {
            projects: {
              environments: {
                name: 'environments',
                targets: {
                  synth: synthTarget(
                    context.workspaceRoot,
                    undefined,
                    ['{workspaceRoot}/dist/environments/{options.environment}/kustomization.yaml'],
                    'Write each environment index (dist/environments/<env>/kustomization.yaml listing every package)',
                  ),
                },
              },
            },
          };
        }
        const root = dirname(file);
        const pkg = basename(root);
        const manifest = JSON.parse(readFileSync(join(context.workspaceRoot, root, 'package.json'), 'utf8')) as { name: string };
        return {
          projects: {
            [root]: {
              name: manifest.name,
              tags: ['deployable', `scope:${root.split('/')[0]}`],
              targets: {
                synth: synthTarget(
                  context.workspaceRoot,
                  pkg,
                  [`{workspaceRoot}/dist/environments/{options.environment}/${pkg}`],
                  `Synthesize, validate and write ${pkg} into dist/environments/<env>/${pkg}/ (all environments, or -c <env>)`,
                ),
                test: {
                  command: `vitest run --passWithNoTests ${root}/`,
                  options: { cwd: '{workspaceRoot}' },
                  cache: true,
                  inputs: ['default', '^deployable', 'environments', { externalDependencies: ['vitest'] }],
                  outputs: [],
                  metadata: { description: `Run the tests of ${pkg}` },
                },
              },
            },
          },
        };
      },
      files,
      options,
      context,
    ),
];
