/**
 * Credential patterns: the one place that says what looks like a secret. The definition schema (package
 * settings), the environment schema (URLs and other strings of environment files) and the gate rule
 * `no-credentials` (every string of every object of a bundle) all ask this module.
 *
 * Two strengths of evidence:
 * - `credentialIn`: a value in a known credential format (a private key, a GitHub, Slack, AWS, Google or
 *   Stripe token, a JWT, a connection string with a password, a URL with credentials). Never a false
 *   positive worth keeping, so nothing can allow it; the gate applies it to every string of a bundle.
 * - `secretLikeName` and `highEntropyToken`: a setting named like a secret, or a value that looks random.
 *   Heuristics, so a package may allow a reviewed false positive (`allowSettings`, with a reason).
 */

/** Known credential formats, each with the words a message uses for it. */
export const CREDENTIAL_FORMATS: readonly { readonly what: string; readonly pattern: RegExp }[] = [
  { what: 'a private key (-----BEGIN ... PRIVATE KEY-----)', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { what: 'a GitHub token (ghp_, gho_, ghu_, ghs_, ghr_)', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/ },
  { what: 'a GitHub token (github_pat_)', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { what: 'a Slack token (xoxb-, xoxa-, xoxp-)', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { what: 'an AWS access key id (AKIA..., ASIA...)', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { what: 'a Google API key (AIza...)', pattern: /\bAIza[A-Za-z0-9_-]{35}/ },
  { what: 'a Stripe secret key (sk_live_, rk_live_)', pattern: /\b[rs]k_live_[A-Za-z0-9]{16,}/ },
  { what: 'a JSON Web Token (eyJ....eyJ....)', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/ },
];

/** Connection-string keys whose value is a credential (ADO.NET, Npgsql, Azure Storage and Service Bus). */
const CONNECTION_STRING_SECRET = /(?:^|[;\s"'])(password|pwd|accountkey|sharedaccesskey|sharedaccesssignature)\s*=\s*([^;\s"']*)/gi;

/** A reference to a value set elsewhere, not a value: `$(VAR)` (Kubernetes), `${VAR}`, `$VAR`. */
const PLACEHOLDER = /^(?:\$\([A-Za-z_][A-Za-z0-9_]*\)|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*)$/;

/** A URL inside any text, up to the end of its authority. */
const URL_AUTHORITY = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#"'<>]*/g;

/**
 * Whether a URL carries credentials: a password (`user:token@`), or any user of a non-ssh URL
 * (`https://token@host/...`). An ssh user (`ssh://git@host/...`, `git@host:path`) names the account, not a secret.
 */
export function hasCredentials(value: string): boolean {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();
  if (!scheme) return false; // a local path or scp-like user@host:path
  const authority = value.slice(scheme.length + 3).split(/[/?#]/)[0]!;
  const at = authority.lastIndexOf('@');
  if (at < 0) return false;
  const userinfo = authority.slice(0, at);
  return userinfo.includes(':') || !scheme.includes('ssh');
}

/**
 * The credential a value holds, in words (`a GitHub token (ghp_...)`), or undefined. Checks the known
 * formats, connection strings with a password (`Password=...`, `Pwd=...`, `AccountKey=...`) and URLs with
 * credentials anywhere in the value; a placeholder such as `Password=$(DB_PASSWORD)` is a reference, not a value.
 */
export function credentialIn(value: string): string | undefined {
  for (const { what, pattern } of CREDENTIAL_FORMATS) if (pattern.test(value)) return what;
  for (const [, key, secret] of value.matchAll(CONNECTION_STRING_SECRET)) {
    if (secret && !PLACEHOLDER.test(secret)) return `a connection string with a credential (${key}=...)`;
  }
  for (const [url] of value.matchAll(URL_AUTHORITY)) {
    if (!hasCredentials(url)) continue;
    const userinfo = url.slice(url.indexOf('://') + 3, url.lastIndexOf('@'));
    const secret = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : userinfo;
    if (secret && !PLACEHOLDER.test(secret)) return 'a URL with credentials (user:password@ or a token as user)';
  }
  return undefined;
}

/** Last words of a name that make it the name of a secret: `DB_PASSWORD`, `Smtp__Password`, `GITHUB_TOKEN`. */
const SECRET_NOUNS = new Set([
  'password',
  'passwords',
  'passwd',
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
 * The secret word a name ends in (`PASSWORD` of `DB_PASSWORD`, `API_KEY` of `STRIPE_API_KEY`), or undefined.
 * Only the last word counts: it says what the value is. `TokenLifetimeMinutes`, `Jwt__AccessTokenMinutes`,
 * `Password__RequiredLength`, `POSTGRES_PASSWORD_FILE` (a path) and `KeyPrefix` describe a secret's
 * surroundings, not the secret, and pass.
 */
export function secretLikeName(name: string): string | undefined {
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined) return undefined;
  if (SECRET_NOUNS.has(last) || SECRET_COMPOUNDS.has(last)) return last;
  const two = words.slice(-2).join('');
  if (words.length >= 2 && SECRET_COMPOUNDS.has(two)) return words.slice(-2).join('_');
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
