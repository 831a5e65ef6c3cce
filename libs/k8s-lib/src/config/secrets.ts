/**
 * Credential patterns: the one place that says what looks like a secret. The definition schema (package
 * settings), the environment schema (URLs and other strings of environment files) and the gate rule
 * `no-credentials` (every string of every object of a bundle) all ask this module.
 *
 * Two strengths of evidence:
 * - `credentialIn`: a value in a known credential format (a private key, a GitHub, GitLab, Slack, AWS,
 *   Google, Stripe or OpenAI-style token, a Slack webhook, a JWT, a connection string or URL query with a
 *   password or token, a URL with `user:password@` or a token as its user). Never a false positive worth
 *   keeping, so nothing can allow it; the gate applies it to every string of a bundle.
 * - `secretLikeName`, `highEntropyToken` and `urlUserIn`: a setting named like a secret, a value that
 *   looks random, a URL with a user (`amqp://guest@rabbitmq`, a Sentry DSN) that might be a token.
 *   Heuristics, so a package may allow a reviewed false positive (`allowSettings`, with a reason).
 */

/**
 * Known credential formats, each with the words a message uses for it. A format marked `random` is found
 * only where its first group looks random (upper and lower case letters and digits, at least
 * ENTROPY_THRESHOLD bits per character): its prefix alone is too common a word part.
 */
export const CREDENTIAL_FORMATS: readonly { readonly what: string; readonly pattern: RegExp; readonly random?: true }[] = [
  { what: 'a private key (-----BEGIN ... PRIVATE KEY-----)', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { what: 'a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_)', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { what: 'a GitHub token (github_pat_)', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { what: 'a GitLab token (glpat-, gldt-, glrt-, glptt-)', pattern: /\bgl(?:pat|dt|rt|ptt)-[A-Za-z0-9_-]{20,}/ },
  { what: 'a Slack token (xoxb-, xoxa-, xoxp-)', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  {
    what: 'a Slack webhook URL (hooks.slack.com/services/...)',
    pattern: /\bhooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{8,}/,
  },
  { what: 'an AWS access key id (AKIA..., ASIA...)', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { what: 'a Google API key (AIza...)', pattern: /\bAIza[A-Za-z0-9_-]{35}/ },
  { what: 'a Stripe secret key (sk_live_, rk_live_)', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/ },
  { what: 'an OpenAI-style secret key (sk-...)', pattern: /(?<![A-Za-z0-9_-])sk-([A-Za-z0-9_-]{32,})/, random: true },
  { what: 'a JSON Web Token (eyJ....eyJ....)', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
];

/** Whether a format is in a value (for a `random` format: with a random-looking body). */
function formatIn(format: (typeof CREDENTIAL_FORMATS)[number], value: string): boolean {
  if (!format.random) return format.pattern.test(value);
  for (const [, body] of value.matchAll(new RegExp(format.pattern.source, 'g'))) {
    if (body && /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9]/.test(body) && shannonEntropy(body) >= ENTROPY_THRESHOLD) return true;
  }
  return false;
}

/**
 * Connection-string keys whose value is a credential (ADO.NET, Npgsql, Azure Storage and Service Bus,
 * StackExchange.Redis), after `;`, `,`, a space, a quote or the start; the value bare or quoted
 * (`Password="..."`, `Password='...'`).
 */
const CONNECTION_STRING_SECRET =
  /(?:^|[;,\s"'])(password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^;,\s"']*))/gi;

/** Query parameters whose value is a credential: `?password=`, `&token=`, `?sig=` (Azure SAS), `?apikey=`. */
const QUERY_SECRET =
  /[?&](password|passwd|pwd|token|access_token|refresh_token|id_token|auth_token|api_token|sig|signature|x-amz-signature|apikey|api_key|api-key|client_secret|secret)=([^&#\s"'<>]*)/gi;

/** A reference to a value set elsewhere, not a value: `$(VAR)` (Kubernetes), `${VAR}`, `$VAR`. */
const PLACEHOLDER = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)$/;

/** The first variable reference in a value (`$(VAR)`, `${VAR}`, `$VAR`), the forms a placeholder takes, or undefined. */
export function variableReferenceIn(value: string): string | undefined {
  return /\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*/.exec(value)?.[0];
}

/** A URL inside any text, up to the end of its authority. */
const URL_AUTHORITY = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#"'<>]*/g;

/**
 * Whether a URL carries credentials: a password (`user:token@`), or any user of a non-ssh URL
 * (`https://token@host/...`). An ssh user (`ssh://git@host/...`, `git@host:path`) names the account, not a secret.
 * Strict on purpose, for the URLs whose credentials have a home elsewhere (GitOps repositories, the
 * URLs of environment files); `credentialIn` tells a user that is a token from one that names an account.
 */
export function hasCredentials(value: string): boolean {
  const userinfo = userinfoOf(value);
  if (userinfo === undefined) return false;
  const scheme = value.slice(0, value.indexOf('://')).toLowerCase();
  return userinfo.includes(':') || !scheme.includes('ssh');
}

/** The `user[:password]` part of a URL (`scheme://userinfo@host`), or undefined. */
function userinfoOf(url: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1];
  if (!scheme) return undefined; // a local path or scp-like user@host:path
  const authority = url.slice(scheme.length + 3).split(/[/?#]/)[0]!;
  const at = authority.lastIndexOf('@');
  return at < 0 ? undefined : authority.slice(0, at);
}

/** A user of a URL that is a token, not an account: a known format, or a random-looking run. */
function tokenAsUser(user: string): boolean {
  return CREDENTIAL_FORMATS.some((format) => formatIn(format, user)) || highEntropyToken(user);
}

/**
 * The credential a value holds, in words (`a GitHub token (ghp_...)`), or undefined. Checks the known
 * formats, connection strings with a password (`Password=...`, `Pwd=...`, `AccountKey=...`, quoted or not,
 * after `;` or `,`), URL queries with a password or token (`?password=`, `&token=`, `?sig=`, `?apikey=`) and
 * URLs with `user:password@` or a token as the user anywhere in the value. A placeholder such as
 * `Password=$(DB_PASSWORD)` is a reference, not a value; a URL with a plain user and no password
 * (`amqp://guest@rabbitmq`, a Sentry DSN's public key) is `urlUserIn`'s, a heuristic.
 */
export function credentialIn(value: string): string | undefined {
  if (!MAYBE_CREDENTIAL.test(value)) return undefined;
  for (const format of CREDENTIAL_FORMATS) if (formatIn(format, value)) return format.what;
  for (const [, key, ...secrets] of value.matchAll(CONNECTION_STRING_SECRET)) {
    const secret = secrets.find((s) => s !== undefined);
    if (secret && !PLACEHOLDER.test(secret)) return `a connection string with a credential (${key}=...)`;
  }
  for (const [, key, secret] of value.matchAll(QUERY_SECRET)) {
    if (secret && !PLACEHOLDER.test(secret)) return `a URL query with a credential (${key}=...)`;
  }
  for (const [url] of value.matchAll(URL_AUTHORITY)) {
    const userinfo = userinfoOf(url);
    if (userinfo === undefined) continue;
    const colon = userinfo.indexOf(':');
    // user:password@ (an empty password is none), or a plain user that is itself a token
    const secret = colon < 0 ? (tokenAsUser(userinfo) ? userinfo : '') : userinfo.slice(colon + 1);
    if (secret && !PLACEHOLDER.test(secret)) return 'a URL with credentials (user:password@ or a token as user)';
  }
  return undefined;
}

/**
 * What every credential `credentialIn` finds contains, in one pass: each format's fixed start, a
 * connection-string key with its `=`, a query parameter with its `=`, a URL's `://`. Case-insensitive,
 * so wider than the patterns; most strings of a bundle (names, labels, PromQL, a dashboard's JSON)
 * contain none of it and need no other look. A new pattern adds its start here (the tests of each
 * format fail otherwise).
 */
const MAYBE_CREDENTIAL =
  /-----BEGIN |gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt)-|xox[abposr]-|hooks\.slack\.com|AKIA|ASIA|AIza|k_live_|sk-|eyJ|(?:password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)\s*=|[?&][a-z_-]+=|:\/\//i;

/**
 * Whether a value holds a URL with a plain user and no password (`postgresql://app@postgres/x`,
 * `amqp://guest@rabbitmq`, `https://<public key>@o1.ingest.sentry.io/1`): the user names an account
 * more often than not, but may be a token. A heuristic, for settings; an ssh user and a placeholder
 * (`https://${TOKEN}@host`) are not counted, and a user that is a token is `credentialIn`'s.
 */
export function urlUserIn(value: string): boolean {
  for (const [url] of value.matchAll(URL_AUTHORITY)) {
    const user = userinfoOf(url);
    if (user && !user.includes(':') && hasCredentials(url) && !PLACEHOLDER.test(user)) return true;
  }
  return false;
}

/** Last words of a name that make it the name of a secret: `DB_PASSWORD`, `Smtp__Password`, `GITHUB_TOKEN`. */
const SECRET_NOUNS = new Set([
  'password',
  'passwords',
  'passwd',
  'pass',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
]);

/** The same for two words (`ApiKey`, `API_KEY`, `PRIVATE_KEY`), also written as one (`APIKEY`). */
const SECRET_COMPOUNDS = new Set([
  'apikey',
  'privatekey',
  'secretkey',
  'accesskey',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'accountkey',
  'sharedkey',
  'hmackey',
  'clientsecret',
]);

/**
 * A last word `key` alone (`Jwt__Key`, `STRIPE_KEY`) is taken for a secret too, unless the word before it
 * says which kind of key that is not a secret: `PublicKey`, `Cache__Key`, `PartitionKey`, `RoutingKey`.
 */
const NOT_SECRET_KEYS = new Set(['public', 'cache', 'partition', 'routing', 'sort', 'primary', 'foreign', 'idempotency']);

/** The words of a setting name: `Jwt__AccessTokenMinutes` -> jwt, access, token, minutes. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * The secret word a name ends in (`PASSWORD` of `DB_PASSWORD`, `PASS` of `SMTP_PASS`, `API_KEY` of
 * `STRIPE_API_KEY`, `KEY` of `Jwt__Key`), or undefined. Only the last word counts: it says what the value
 * is. `TokenLifetimeMinutes`, `Jwt__AccessTokenMinutes`, `Password__RequiredLength`,
 * `POSTGRES_PASSWORD_FILE` (a path) and `KeyPrefix` describe a secret's surroundings, not the secret, and pass.
 */
export function secretLikeName(name: string): string | undefined {
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined) return undefined;
  if (SECRET_NOUNS.has(last) || SECRET_COMPOUNDS.has(last)) return last;
  const two = words.slice(-2).join('');
  if (words.length >= 2 && SECRET_COMPOUNDS.has(two)) return words.slice(-2).join('_');
  if (last === 'key' && !NOT_SECRET_KEYS.has(words.at(-2) ?? '')) return last;
  return undefined;
}

/** Shortest run of characters the entropy check looks at. */
export const ENTROPY_MIN_LENGTH = 20;
/**
 * Bits per character from which a run looks random. Random base62 or base64 runs of 24 characters or
 * more are above it; hex (digests, GUIDs: at most 4 bits per character), words, paths and host names stay below.
 */
export const ENTROPY_THRESHOLD = 4.1;

/** Shannon entropy of a string, in bits per character. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * Whether a value holds a run that looks random: at least ENTROPY_MIN_LENGTH characters of the base64
 * alphabet (`A-Z a-z 0-9 + / =`), mixing letters and digits, with at least ENTROPY_THRESHOLD bits per character.
 */
export function highEntropyToken(value: string): boolean {
  return (value.match(new RegExp(`[A-Za-z0-9+/=]{${ENTROPY_MIN_LENGTH},}`, 'g')) ?? []).some(
    (run) => /[0-9]/.test(run) && /[A-Za-z]/.test(run) && shannonEntropy(run) >= ENTROPY_THRESHOLD,
  );
}
