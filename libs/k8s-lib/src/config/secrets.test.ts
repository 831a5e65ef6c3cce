import { describe, expect, it } from 'vitest';
import { FrontendSpecSchema, WebServiceSpecSchema } from './definition';
import { ConfigError } from '../errors';
import { webService } from '../../test/helpers';
import { credentialIn, ENTROPY_THRESHOLD, hasCredentials, highEntropyToken, secretLikeName, shannonEntropy, urlUserIn } from './secrets';

/** A Sentry DSN: its user is the project's public key (32 hex characters), published with every browser bundle. */
const SENTRY_DSN = 'https://e3b0c44298fc1c149afbf4c8996fb924@o123.ingest.sentry.io/1';

/** The issues of a web service definition, as `path: message`. */
function problems(over: Parameters<typeof webService>[1]): string[] {
  const result = WebServiceSpecSchema.safeParse(webService('orders', over).spec);
  return result.success ? [] : ConfigError.fromZod('services/orders/deploy.ts', result.error).issues.map((i) => `${i.path}: ${i.message}`);
}

describe('credential patterns', () => {
  it.each([
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=', 'a private key'],
    ['-----BEGIN PRIVATE KEY-----', 'a private key'],
    ['ghp_0123456789abcdefghijklmnopqrstuvwxyzAB', 'a GitHub token'],
    ['token: ghs_0123456789abcdefghijklmnopqrstuvwxyzAB', 'a GitHub token'],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'a GitHub token'],
    ['xoxb-123456789012-abcdefghijkl', 'a Slack token'],
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['ASIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['AIzaSyD-0123456789abcdefghijklmnopqrstu', 'a Google API key'],
    ['sk_live_0123456789abcdefABCD', 'a Stripe secret key'],
    ['rk_live_0123456789abcdefABCD', 'a Stripe secret key'],
    ['glrt-AbCdEf0123456789xYz_', 'a GitLab token'],
    ['xoxp-123456789012-abcdefghijkl', 'a Slack token'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'a JSON Web Token'],
    ['Host=db;Username=app;Password=hunter2', 'a connection string with a credential (Password=...)'],
    ['Server=db;Uid=app;Pwd=hunter2;', 'a connection string with a credential (Pwd=...)'],
    ['DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc==', 'a connection string with a credential (AccountKey=...)'],
    ['postgres://app:hunter2@db:5432/app', 'a URL with credentials'],
    ['see https://deploy:tok@git.example.com/x.git for details', 'a URL with credentials'],
    ['https://q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A@git.example.com/x.git', 'a URL with credentials'],
  ])('finds %s', (value, what) => {
    expect(credentialIn(value)).toContain(what);
  });

  it.each([
    ['Host=db;Username=app;Password="hunter2"', 'a connection string with a credential (Password=...)'],
    ["Host=db;Username=app;Password='hunter2'", 'a connection string with a credential (Password=...)'],
    ['Server=db; Pwd = "hunter2";', 'a connection string with a credential (Pwd=...)'],
    ['redis:6379,password=hunter2,ssl=true', 'a connection string with a credential (password=...)'],
    ['jdbc:postgresql://db/x?user=a&password=hunter2', 'a URL query with a credential (password=...)'],
    ['wss://events.example.com/feed?token=hunter2', 'a URL query with a credential (token=...)'],
    ['https://acct.blob.core.windows.net/c?sv=2022-11-02&sp=r&sig=abc%2Fdef%3D', 'a URL query with a credential (sig=...)'],
    ['https://api.example.com/v1?access_token=hunter2', 'a URL query with a credential (access_token=...)'],
    ['https://api.example.com/v1?format=json&apikey=hunter2', 'a URL query with a credential (apikey=...)'],
    ['https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdEFGH1234ijklMNOP5678', 'a Slack webhook URL'],
    ['glpat-AbCdEf0123456789xYz_', 'a GitLab token'],
    ['Authorization: Bearer sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6l', 'an OpenAI-style secret key'],
    ['sk-proj-q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A_R2d2C3poX9wQ7eLm4Tz8Vb1Nk6Ys', 'an OpenAI-style secret key'],
    ['https://q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A@git.example.com/x.git', 'a URL with credentials'],
    ['https://glpat-AbCdEf0123456789xYz_@gitlab.example.com/x.git', 'a GitLab token'],
  ])('fails when a value holds %s (%s)', (value, what) => {
    expect(credentialIn(value)).toContain(what);
  });

  it.each([
    'postgresql://app@postgres:5432/x',
    'amqp://guest@rabbitmq',
    SENTRY_DSN,
    'https://ghtoken@git.example.com/x.git',
    'https://${GIT_TOKEN}@git.example.com/x.git',
    'Password=""',
    "Host=db;Password='$(DB_PASSWORD)'",
    'redis:6379,password=${REDIS_PASSWORD}',
    'https://api.example.com/v1?token=$(API_TOKEN)&page=2',
    'https://search.example.com/?q=password&sort=token',
    'https://hooks.slack.com/services/',
    'sk-this-is-not-a-key-but-a-long-kebab-name-2024',
    'desk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6l',
    'task-runner disk-pressure risk-assessment',
  ])('stays quiet on %s', (value) => {
    expect(credentialIn(value)).toBeUndefined();
  });

  it('fails when a URL has a plain user (a heuristic: the user may be a token), and stays quiet on ssh users, placeholders and passwords', () => {
    for (const value of [
      'postgresql://app@postgres:5432/x',
      'amqp://guest@rabbitmq',
      SENTRY_DSN,
      'see https://ghtoken@git.example.com/x.git',
    ]) {
      expect([value, urlUserIn(value)]).toEqual([value, true]);
    }
    for (const value of [
      'https://identity.b2connect.com',
      'ssh://git@git.b2connect.com/platform/gitops.git',
      'git@github.com:org/repo.git',
      'https://${GIT_TOKEN}@git.example.com/x.git',
      'postgres://app:hunter2@db:5432/app',
      'ops@example.com',
    ]) {
      expect([value, urlUserIn(value)]).toEqual([value, false]);
    }
  });

  it.each([
    'https://identity.b2connect.com',
    'ssh://git@git.b2connect.com/platform/gitops.git',
    'git@github.com:org/repo.git',
    'Host=postgres;Database=b2connect',
    'Host=db;Password=$(DB_PASSWORD)',
    'redis://:${REDIS_PASSWORD}@redis:6379',
    'curl -fsS -u "elastic:$ELASTIC_PASSWORD" http://127.0.0.1:9200/',
    'ops@example.com',
    'sha256:3f2504e04f8911d39a0c0305e82c33013f2504e04f8911d39a0c0305e82c3301',
  ])('finds nothing in %s', (value) => {
    expect(credentialIn(value)).toBeUndefined();
  });

  it('tells URLs with credentials from ssh users and plain URLs', () => {
    expect(hasCredentials('https://user:pw@host/x')).toBe(true);
    expect(hasCredentials('https://token@host/x')).toBe(true);
    expect(hasCredentials('ssh://git@host/x')).toBe(false);
    expect(hasCredentials('https://host/x')).toBe(false);
  });

  it.each([
    ['DB_PASSWORD', 'password'],
    ['DbPassword', 'password'],
    ['Smtp__Password', 'password'],
    ['SQL_PWD', 'pwd'],
    ['GITHUB_TOKEN', 'token'],
    ['Payments__ClientSecret', 'secret'],
    ['API_KEY', 'api_key'],
    ['ApiKey', 'api_key'],
    ['APIKEY', 'apikey'],
    ['PRIVATE_KEY', 'private_key'],
    ['AWS_SECRET_ACCESS_KEY', 'access_key'],
    ['Jwt__SigningKey', 'signing_key'],
    ['Smtp__Credentials', 'credentials'],
  ])('takes %s for the name of a secret', (name, word) => {
    expect(secretLikeName(name)).toBe(word);
  });

  it.each([
    ['DB_PASS', 'pass'],
    ['SMTP_PASS', 'pass'],
    ['Smtp__Pass', 'pass'],
    ['Jwt__Key', 'key'],
    ['STRIPE_KEY', 'key'],
    ['KEY', 'key'],
  ])('fails when a setting is named %s (its last word is %s)', (name, word) => {
    expect(secretLikeName(name)).toBe(word);
  });

  it.each(['Sentry__PublicKey', 'Cache__Key', 'Orders__PartitionKey', 'RABBITMQ_ROUTING_KEY', 'Jwt__KeyId', 'Bypass', 'Smtp__PassThrough'])(
    'stays quiet on the setting name %s',
    (name) => {
      expect(secretLikeName(name)).toBeUndefined();
    },
  );

  it.each([
    'TokenLifetimeMinutes',
    'Jwt__AccessTokenMinutes',
    'Jwt__Issuer',
    'KeyPrefix',
    'Password__RequiredLength',
    'POSTGRES_PASSWORD_FILE',
    'AWS_ACCESS_KEY_ID_FILE',
    'Catalog__PageSize',
    'Logging__LogLevel__Default',
    'Cache__Key',
  ])('does not take %s for the name of a secret', (name) => {
    expect(secretLikeName(name)).toBeUndefined();
  });

  it(`flags random-looking values from ${ENTROPY_THRESHOLD} bits per character, not words, paths, hex or GUIDs`, () => {
    expect(highEntropyToken('q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A')).toBe(true);
    expect(highEntropyToken('key=R2d2C3poX9wQ7eLm4Tz8Vb1Nk6Ys')).toBe(true);
    for (const value of [
      'https://identity.b2connect.com',
      '/api/v2/products/search/suggestions',
      '3f2504e0-4f89-11d3-9a0c-0305e82c3301',
      '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'b2connect-prod-backups-westeurope-01',
      'Information',
    ]) {
      expect([value, highEntropyToken(value)]).toEqual([value, false]);
    }
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
  });
});

describe('settings of a definition', () => {
  it('accepts the settings the real packages have', () => {
    expect(
      problems({ settings: { Jwt__Issuer: 'https://identity.b2connect.com', Jwt__AccessTokenMinutes: '15', Catalog__PageSize: '50' } }),
    ).toEqual([]);
  });

  it('fails when a setting is named like a secret, showing how to declare it as a secret reference', () => {
    expect(problems({ settings: { DB_PASSWORD: 'hunter2' } })).toEqual([
      `settings.DB_PASSWORD: is named like a secret ("PASSWORD"); settings are written in plain text to the ConfigMap: declare it as a secret reference instead, with the value in the secret backend: secrets: { DB_PASSWORD: { remoteKey: 'b2connect/orders', property: 'db-password' } }. If it is not a secret, list it in allowSettings: [{ key: 'DB_PASSWORD', reason: '<why it is not a secret>' }]`,
    ]);
  });

  it('fails when a setting holds a connection string with a password, in the base or an override, without showing it', () => {
    const found = problems({
      settings: { ConnectionStrings__Orders: 'Host=postgres;Username=orders;Password=hunter2' },
      overrides: { prod: { settings: { Upstream: 'https://deploy:ghp_0123456789abcdefghijklmnopqrstuvwxyzAB@git.example.com' } } },
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^settings\.ConnectionStrings__Orders: holds a connection string with a credential \(Password=\.\.\.\) \(value not shown\); .*secrets: \{ ConnectionStrings__Orders: \{ remoteKey: 'b2connect\/orders'/,
      ),
      expect.stringMatching(/^overrides\.prod\.settings\.Upstream: holds a GitHub token/),
    ]);
    expect(found.join('\n')).not.toMatch(/hunter2|ghp_0/);
  });

  it('fails when a setting is named like a secret by a last word PASS or KEY, which allowSettings can waive', () => {
    expect(problems({ settings: { DB_PASS: 'hunter2', Jwt__Key: 'dev' } })).toEqual([
      expect.stringMatching(
        /^settings\.DB_PASS: is named like a secret \("PASS"\); .*secrets: \{ DB_PASS: \{ remoteKey: 'b2connect\/orders'/,
      ),
      expect.stringMatching(/^settings\.Jwt__Key: is named like a secret \("KEY"\); .*allowSettings: \[\{ key: 'Jwt__Key'/),
    ]);
    expect(
      problems({
        settings: { Jwt__Key: 'dev' },
        allowSettings: [{ key: 'Jwt__Key', reason: 'the name of the key in the key ring, not the key' }],
      }),
    ).toEqual([]);
  });

  it('fails when a setting holds a quoted password, a Redis password, a URL query token or a webhook, without showing it', () => {
    const found = problems({
      settings: {
        ConnectionStrings__Orders: 'Host=postgres;Username=orders;Password="hunter2"',
        ConnectionStrings__Redis: 'redis:6379,password=hunter2',
        Reports__Url: 'jdbc:postgresql://db/x?user=a&password=hunter2',
      },
      overrides: {
        prod: { settings: { Alerts__Webhook: 'https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdEFGH1234ijklMNOP5678' } },
      },
    });
    expect(found).toEqual([
      expect.stringMatching(
        /^settings\.ConnectionStrings__Orders: holds a connection string with a credential \(Password=\.\.\.\) \(value not shown\)/,
      ),
      expect.stringMatching(
        /^settings\.ConnectionStrings__Redis: holds a connection string with a credential \(password=\.\.\.\) \(value not shown\)/,
      ),
      expect.stringMatching(/^settings\.Reports__Url: holds a URL query with a credential \(password=\.\.\.\) \(value not shown\)/),
      expect.stringMatching(
        /^overrides\.prod\.settings\.Alerts__Webhook: holds a Slack webhook URL \(hooks\.slack\.com\/services\/\.\.\.\) \(value not shown\)/,
      ),
    ]);
    expect(found.join('\n')).not.toMatch(/hunter2|T0123ABCD|abcdEFGH/);
  });

  it('fails when a setting refers to a variable ($(VAR), ${VAR}, $VAR): a ConfigMap read through envFrom expands nothing', () => {
    for (const reference of ['$(DB_PASSWORD)', '${DB_PASSWORD}', '$DB_PASSWORD']) {
      expect(problems({ settings: { Db__ConnectionString: `Host=db;Password=${reference}` } }), reference).toEqual([
        `settings.Db__ConnectionString: refers to ${reference}, which is never expanded: settings reach the container through a ConfigMap, where nothing expands a variable; declare the value as a secret reference or set it whole`,
      ]);
    }
    expect(problems({ settings: { Shop__Currency: 'USD', Shop__Banner: 'Sale: 5$ off' } })).toEqual([]);
  });

  it('fails when a setting holds a URL with a plain user, unless allowed', () => {
    expect(problems({ settings: { Broker__Url: 'amqp://guest@rabbitmq' } })).toEqual([
      expect.stringMatching(/^settings\.Broker__Url: holds a URL with a user \(user@host, value not shown\), which may be a token/),
    ]);
  });

  it('stays quiet on a URL with a plain user and no password once allowed: a heuristic, not a credential format', () => {
    expect(
      problems({
        settings: { Broker__Url: 'amqp://guest@rabbitmq', Db__Url: 'postgresql://app@postgres:5432/x', Sentry__Dsn: SENTRY_DSN },
        allowSettings: [
          { key: 'Broker__Url', reason: 'the guest account of the local broker, no password' },
          { key: 'Db__Url', reason: 'the user name only; the password comes from the secret' },
          { key: 'Sentry__Dsn', reason: 'a Sentry DSN: its public key is published by design' },
        ],
      }),
    ).toEqual([]);
  });

  it('fails when a setting holds a random-looking value', () => {
    expect(problems({ settings: { Payments__Merchant: 'q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A' } })).toEqual([
      expect.stringMatching(/^settings\.Payments__Merchant: looks like a generated secret \(a long random-looking value, not shown\)/),
    ]);
  });

  it('fails when a setting shadows a declared secret, also from an override and in another case', () => {
    expect(
      problems({
        secrets: { Jwt__SigningKey: { remoteKey: 'b2connect/identity', property: 'jwt-signing-key' } },
        settings: { Jwt__SigningKey: 'dev' },
        overrides: { dev: { settings: { JWT__SIGNINGKEY: 'dev' } } },
      }),
    ).toEqual([
      'settings.Jwt__SigningKey: shadows the secret Jwt__SigningKey declared in secrets: both would reach the container as one variable; remove the setting',
      'overrides.dev.settings.JWT__SIGNINGKEY: shadows the secret Jwt__SigningKey declared in secrets: both would reach the container as one variable; remove the setting',
    ]);
  });

  it('takes a reviewed exception for a name or a random-looking value, never for a credential format', () => {
    const allowSettings = [
      { key: 'Auth__ClientSecret', reason: 'the public client of the SPA: its "secret" is published by design' },
      { key: 'Checksum', reason: 'a base64 checksum of the seed data, not a secret' },
      { key: 'Db', reason: 'somebody said it is fine' },
    ];
    expect(
      problems({
        allowSettings,
        settings: { Auth__ClientSecret: 'public', Checksum: 'q8Zr3LmT0xWv7Yb2Nc5Kd9Fg1Hj4Sp6A', Db: 'Host=db;Password=hunter2' },
      }),
    ).toEqual([expect.stringMatching(/^settings\.Db: holds a connection string with a credential/)]);
  });

  it('fails when an exception has no reason, allows nothing, or is listed twice', () => {
    expect(
      problems({
        settings: { Auth__ClientSecret: 'public' },
        allowSettings: [
          { key: 'Auth__ClientSecret', reason: ' ' },
          { key: 'Gone__Token', reason: 'left over from an old setting' },
          { key: 'Auth__ClientSecret', reason: 'the public client of the SPA' },
        ],
      }),
    ).toEqual([
      'allowSettings.0.reason: must say why the setting is not a secret (at least 10 characters), for whoever reviews the exception',
      'allowSettings.1.key: allows nothing: no setting Gone__Token in settings or overrides; remove the entry',
      'allowSettings.2.key: Auth__ClientSecret is listed twice',
    ]);
    const noReason = WebServiceSpecSchema.safeParse({ ...webService('orders').spec, allowSettings: [{ key: 'X' }] });
    expect(ConfigError.fromZod('f', noReason.error!).issues).toEqual([
      { path: 'allowSettings.0.reason', message: 'required field is missing (a string)' },
    ]);
  });

  it('fails when a frontend is given a secret, and says a frontend cannot hold one', () => {
    const result = FrontendSpecSchema.safeParse({
      name: 'storefront',
      team: 'web',
      image: { repository: 'b2connect/storefront' },
      settings: { Analytics__ApiKey: 'abc' },
      secrets: { X: { remoteKey: 'k', property: 'p' } },
    });
    expect(ConfigError.fromZod('f', result.error!).issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      expect.stringMatching(/^settings\.Analytics__ApiKey: is named like a secret \("API_KEY"\); .*a frontend cannot hold a secret/),
      'secrets.X: a frontend serves its files to every browser and cannot hold a secret; let the api-gateway (or a service) use it',
    ]);
  });
});
