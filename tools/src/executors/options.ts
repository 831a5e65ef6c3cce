import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The part of an executor's schema.json that options are checked against. */
interface ExecutorSchema {
  readonly properties: Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly enum?: readonly string[] }>>;
}

const schemas = new Map<string, ExecutorSchema>();

/** The schema.json of an executor (`synth`, `deploy`), read once. */
function schemaOf(executor: 'synth' | 'deploy'): ExecutorSchema {
  let schema = schemas.get(executor);
  if (!schema) {
    schema = JSON.parse(readFileSync(join(__dirname, executor, 'schema.json'), 'utf8')) as ExecutorSchema;
    schemas.set(executor, schema);
  }
  return schema;
}

/** A task as the executors get it: its options, and the configuration (`-c <env>`) Nx ran it with. */
export interface TaskRequest<O> {
  readonly id: string;
  readonly options: O;
  /** The Nx configuration name, when known (`-c prod`). */
  readonly configuration?: string;
}

/**
 * Every problem of a run's options, before anything is built or published: an option the executor's
 * schema does not have (a misspelt `--dryrun` must never make a dry run real), a value outside its
 * enum or of the wrong type, a configuration or environment that is not an environment file, and for
 * `deploy` a missing environment (a deploy never defaults to every environment).
 */
export function optionProblems(
  executor: 'synth' | 'deploy',
  tasks: readonly TaskRequest<object>[],
  environments: readonly string[],
): string[] {
  const { properties } = schemaOf(executor);
  const known = Object.keys(properties);
  const problems = new Set<string>();
  const envList = environments.join(', ');
  for (const task of tasks) {
    const options = task.options as Readonly<Record<string, unknown>>;
    for (const [key, value] of Object.entries(options)) {
      const property = properties[key];
      if (!property) {
        problems.add(
          `${key.length > 1 ? '--' : '-'}${key}: unknown option of ${executor} (known: ${known.map((k) => `--${k}`).join(', ')})`,
        );
      } else if (typeof value !== property.type) {
        problems.add(`--${key}: must be a ${property.type}, got ${JSON.stringify(value)}`);
      } else if (property.enum && !property.enum.includes(value as string)) {
        problems.add(`--${key}: "${String(value)}" is not one of ${property.enum.join(', ')}`);
      }
    }
    if (task.configuration !== undefined && !environments.includes(task.configuration)) {
      problems.add(`-c ${task.configuration}: no such configuration: the configurations are the environments (${envList})`);
      continue;
    }
    const environment = options['environment'];
    if (executor === 'deploy' && (environment === undefined || environment === '*')) {
      problems.add(`${executor} needs one environment: -c <environment> (${envList})`);
    } else if (typeof environment === 'string' && environment !== '*' && !environments.includes(environment)) {
      problems.add(`--environment: "${environment}" is not an environment (known: ${envList})`);
    }
  }
  return [...problems];
}
