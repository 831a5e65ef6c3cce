import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError } from '../errors';
import { ENVIRONMENT_JSON_SCHEMA_PATH, environmentJsonSchema, loadEnvironment } from './environment';
import { environment } from '../../test/helpers';

function writeEnv(name: string, content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'b2c-env-')), `${name}.yaml`);
  writeFileSync(file, content);
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('environment files', () => {
  it('parses a valid file and fills the documented defaults', () => {
    const env = loadEnvironment(writeEnv('dev', stringify(environment('dev'))));
    expect(env.name).toBe('dev');
    expect(env.images.pullPolicy).toBe('IfNotPresent');
    expect(env.capabilities.serviceMesh).toBe('none');
    expect(env.featureFlags).toEqual({});
  });

  it('fails when the YAML is malformed, naming the file and the line', () => {
    const file = writeEnv('dev', 'name: dev\nreplicas: [1,\n');
    const err = errorOf(() => loadEnvironment(file));
    expect(err.message).toContain(`${file}: invalid YAML at line`);
  });

  it('fails when a key is duplicated', () => {
    const file = writeEnv('dev', stringify(environment('dev')) + 'name: dev\n');
    expect(errorOf(() => loadEnvironment(file)).message).toMatch(/invalid YAML.*[Uu]nique|duplicate/i);
  });

  it('fails when a field is misspelled, naming its dot path', () => {
    const env = environment('dev') as Record<string, unknown>;
    const file = writeEnv('dev', stringify({ ...env, replicas: { defualt: 1, autoscaling: false } }));
    const err = errorOf(() => loadEnvironment(file));
    expect(err.message).toContain(`${file}: replicas.defualt: unknown field`);
    expect(err.message).toContain(`${file}: replicas.default:`);
  });

  it('fails when a value has the wrong type or is outside its enum', () => {
    const file = writeEnv(
      'prod',
      stringify(environment('prod', { sizeProfile: 'huge' as never, logging: { level: 'Loud' as never, format: 'json' } })),
    );
    const err = errorOf(() => loadEnvironment(file));
    expect(err.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['sizeProfile', 'logging.level']));
  });

  it('fails when the name does not match the file name', () => {
    const file = writeEnv('staging', stringify(environment('prod')));
    expect(errorOf(() => loadEnvironment(file)).message).toBe(`${file}: name: "prod" must equal the file name "staging"`);
  });

  it('fails when the default replica count is above the maximum', () => {
    const file = writeEnv('dev', stringify(environment('dev', { replicas: { default: 3, max: 1, autoscaling: false } })));
    expect(errorOf(() => loadEnvironment(file)).message).toBe(`${file}: replicas.default: default 3 is above max 1`);
  });
});

describe('environment JSON Schema', () => {
  it('is in sync with the zod schema (run `npm run generate:schemas` after changing it)', () => {
    const file = join(__dirname, '../../../..', ENVIRONMENT_JSON_SCHEMA_PATH);
    expect(readFileSync(file, 'utf8')).toBe(environmentJsonSchema());
  });

  it('is referenced by every environment file for editor completion', () => {
    const dir = join(__dirname, '../../../../environments');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml'))) {
      expect(readFileSync(join(dir, f), 'utf8').split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../libs/k8s-lib/schema/environment.schema.json',
      );
    }
  });

  it('rejects unknown fields, as the zod schema does', () => {
    const schema = JSON.parse(environmentJsonSchema());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'namespace', 'domain', 'images', 'replicas']));
  });
});
