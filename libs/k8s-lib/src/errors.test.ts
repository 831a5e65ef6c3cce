import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrors } from './errors';

describe('ConfigErrors', () => {
  it('reports one entry per file: the problems of one file in several environments are counted once', () => {
    const errors = new ConfigErrors([
      new ConfigError('services/es/deploy.ts', [{ path: '[dev] CronJob/x', message: 'bad quantity' }]),
      new ConfigError('environments/dev.yaml', [{ path: 'name', message: 'wrong' }]),
      new ConfigError('services/es/deploy.ts', [{ path: '[prod] CronJob/x', message: 'bad quantity' }]),
      new ConfigError('services/es/deploy.ts', [{ path: '[staging] CronJob/x', message: 'bad quantity' }]),
    ]);
    expect(errors.errors.map((e) => [e.file, e.issues.length])).toEqual([
      ['services/es/deploy.ts', 3],
      ['environments/dev.yaml', 1],
    ]);
    expect(errors.message).toBe(
      [
        'services/es/deploy.ts: [dev] CronJob/x: bad quantity',
        'services/es/deploy.ts: [prod] CronJob/x: bad quantity',
        'services/es/deploy.ts: [staging] CronJob/x: bad quantity',
        'environments/dev.yaml: name: wrong',
      ].join('\n'),
    );
  });

  it('reports a problem once when two stages or several environments find it', () => {
    const twice = { path: 'migrations', message: 'needs a data store in dependsOn' };
    const errors = new ConfigErrors([
      new ConfigError('services/api/deploy.ts', [twice]),
      new ConfigError('services/api/deploy.ts', [twice, { path: 'settings.X', message: 'is set by the platform' }]),
      new ConfigError('services/api/deploy.ts', [twice]),
    ]);
    expect(errors.message.split('\n')).toEqual([
      'services/api/deploy.ts: migrations: needs a data store in dependsOn',
      'services/api/deploy.ts: settings.X: is set by the platform',
    ]);
  });
});
