import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildBundles } from '../write/bundle';
import { ConfigErrors } from '../errors';
import { environment, importLoader, makeWorkspace, webService, type FixtureSpec, storeSource } from '../../test/helpers';

const envs = { dev: environment('dev'), staging: environment('staging'), prod: environment('prod') };

const store = (connection: Record<string, string> = {}) => storeSource('db', connection);

async function failure(spec: FixtureSpec): Promise<{ root: string; message: string }> {
  const root = makeWorkspace({ environments: envs, ...spec });
  try {
    await buildBundles(root, { load: importLoader });
  } catch (e) {
    if (e instanceof ConfigErrors) return { root, message: e.message };
    throw e;
  }
  throw new Error('expected the build to fail');
}

/** Every file under dir, concatenated. */
function everything(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((f) => join(dir, f))
    .map((f) => (statSync(f).isDirectory() ? everything(f) : readFileSync(f, 'utf8')))
    .join('\n');
}

describe('secrets never reach a bundle', () => {
  it('fails when a setting is a password, a connection string with one, or named like a declared secret; nothing is written', async () => {
    const { root, message } = await failure({
      packages: {
        orders: webService('orders', {
          secrets: { Payments__ClientKey: { remoteKey: 'b2connect/orders', property: 'payments-client-key' } },
          settings: {
            DB_PASSWORD: 'hunter2',
            ConnectionStrings__Orders: 'Host=postgres;Username=orders;Password=hunter2',
            Payments__ClientKey: 'hunter2',
          },
        }),
      },
    });
    expect(message.split('\n')).toEqual([
      expect.stringMatching(
        /^services\/orders\/deploy\.ts: settings\.DB_PASSWORD: is named like a secret \("PASSWORD"\); .*secrets: \{ DB_PASSWORD: \{ remoteKey: /,
      ),
      expect.stringMatching(
        /^services\/orders\/deploy\.ts: settings\.ConnectionStrings__Orders: holds a connection string with a credential \(Password=\.\.\.\)/,
      ),
      expect.stringMatching(
        /^services\/orders\/deploy\.ts: settings\.Payments__ClientKey: shadows the secret Payments__ClientKey declared in secrets/,
      ),
    ]);
    expect(message).not.toContain('hunter2');
    expect(everything(join(root, 'dist'))).toBe('');
  });

  it('fails when a setting shadows the credentials of a declared store', async () => {
    const { message } = await failure({
      packages: { db: store(), orders: webService('orders', { dependsOn: ['db'], settings: { Stores__Db__Username: 'orders' } }) },
    });
    expect(message).toContain(
      'services/orders/deploy.ts: settings.Stores__Db__Username: shadows the secret Stores__Db__Username the container gets from Secret db-credentials (key username); remove the setting',
    );
  });

  it('fails in the gate when a blueprint puts a credential into a bundle, whatever the field', async () => {
    const { root, message } = await failure({
      packages: { db: store({ ConnectionString: 'Host=db;Password=hunter2' }), orders: webService('orders', { dependsOn: ['db'] }) },
    });
    expect(message).toMatch(
      /services\/orders\/deploy\.ts: \[dev\] ConfigMap\/orders-config-[0-9a-f]{10}: no-credentials: data\.Stores__Db__ConnectionString holds a connection string with a credential \(Password=\.\.\.\) \(value not shown\)\. Fix: keep the value in the secret backend/,
    );
    expect(message).not.toContain('hunter2');
    expect(everything(join(root, 'dist'))).toBe('');
  });

  it('builds a service with secret references, reviewed exceptions and plain settings, and the bundle holds no value', async () => {
    const root = makeWorkspace({
      environments: envs,
      packages: {
        identity: webService('identity', {
          secrets: { Jwt__SigningKey: { remoteKey: 'b2connect/identity', property: 'jwt-signing-key' } },
          settings: { Jwt__Issuer: 'https://identity.b2connect.com', Jwt__AccessTokenMinutes: '15', Auth__PublicToken: 'anonymous' },
          allowSettings: [{ key: 'Auth__PublicToken', reason: 'the fixed token anonymous visitors send; it grants nothing' }],
        }),
      },
    });
    await buildBundles(root, { load: importLoader });
    const bundle = everything(join(root, 'dist/environments/prod/identity'));
    expect(bundle).toContain('Auth__PublicToken: anonymous');
    expect(bundle).toContain('remoteRef:');
    expect(bundle).not.toMatch(/hunter2|ghp_|Password=/);
  });
});
