import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/** A task as the executors get it: its options, and the configuration (`-c <env>`) Nx ran it with. */
export interface TaskRequest<O> {
  readonly id: string;
  readonly options: O;
  /** The Nx configuration name, when known (`-c prod`). */
  readonly configuration?: string;
}

const validators = new Map<string, ValidateFunction>();

/**
 * The executor's schema.json, compiled once: only its options, of their types and values. Options
 * come from the command line as Nx parsed them, so `--dryRun=false` is the string "false": types
 * are coerced the way JSON Schema's `coerceTypes` does.
 */
function validatorOf(executor: 'synth' | 'deploy' | 'switch'): ValidateFunction {
  let validate = validators.get(executor);
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(__dirname, executor, 'schema.json'), 'utf8')) as Record<string, unknown>;
    const { $schema: _, version: __, ...standard } = schema;
    validate = new Ajv({ allErrors: true, coerceTypes: true, strict: false }).compile(standard);
    validators.set(executor, validate);
  }
  return validate;
}

/**
 * Every problem of a run's options, before anything is built or published: an option the executor's
 * schema does not have (a misspelt `--dryrun` must never make a dry run real), a value outside its
 * enum or of the wrong type, a configuration or environment that is not an environment file, and for
 * `deploy` and `switch` a missing environment (a deploy never defaults to every environment). Returns the tasks
 * with their options coerced to the schema's types.
 */
export function checkOptions<O extends object>(
  executor: 'synth' | 'deploy' | 'switch',
  tasks: readonly TaskRequest<O>[],
  environments: readonly string[],
): { problems: string[]; tasks: TaskRequest<O>[] } {
  const validate = validatorOf(executor);
  const problems = new Set<string>();
  const envList = environments.join(', ');
  const checked = tasks.map((task) => {
    const options = structuredClone(task.options) as Record<string, unknown>;
    if (!validate(options)) {
      for (const error of validate.errors ?? []) {
        const key = error.instancePath.slice(1);
        if (error.keyword === 'additionalProperties') {
          const unknown = String(error.params['additionalProperty']);
          const known = Object.keys((validate.schema as { properties: object }).properties);
          problems.add(`--${unknown}: unknown option of ${executor} (known: ${known.map((k) => `--${k}`).join(', ')})`);
        } else if (error.keyword === 'required') {
          problems.add(`--${String(error.params['missingProperty'])}: required by ${executor}`);
        } else if (error.keyword === 'enum') {
          problems.add(`--${key}: "${String(options[key])}" is not one of ${(error.params['allowedValues'] as string[]).join(', ')}`);
        } else {
          problems.add(`--${key}: ${error.message ?? 'invalid'}, got ${JSON.stringify(options[key])}`);
        }
      }
    }
    const environment = options['environment'];
    if (task.configuration !== undefined && !environments.includes(task.configuration)) {
      problems.add(`-c ${task.configuration}: no such configuration: the configurations are the environments (${envList})`);
    } else if (executor !== 'synth' && (environment === undefined || environment === '*')) {
      // Nx drops a configuration the target does not have: a misspelt -c arrives here as none.
      problems.add(
        `${executor} needs one environment: -c <environment> (${envList}); check the spelling of -c, Nx ignores one it does not know`,
      );
    } else if (typeof environment === 'string' && environment !== '*' && !environments.includes(environment)) {
      problems.add(`--environment: "${environment}" is not an environment (known: ${envList})`);
    }
    return { ...task, options: options as O };
  });
  return { problems: [...problems], tasks: checked };
}
