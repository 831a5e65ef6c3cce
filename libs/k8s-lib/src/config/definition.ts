import { z } from 'zod';
import { autoscalingRangeProblem, isPinnedTag, PINNED_TAG_MESSAGE } from '../rules';
import { credentialIn, highEntropyToken, nameWords, secretLikeName, urlUserIn, variableReferenceIn } from './secrets';

/** Longest DNS-1123 label, and so the longest package, team, namespace and environment name. */
export const DNS_LABEL_MAX = 63;

/** A DNS-1123 label: the shape of every package, team and environment name. */
export const dnsLabel = z
  .string()
  .max(DNS_LABEL_MAX, {
    error: (issue) =>
      `is ${String(issue.input).length} characters long; a DNS label (the name of a Kubernetes object) has at most ${DNS_LABEL_MAX}`,
  })
  .regex(
    /^[a-z]([-a-z0-9]*[a-z0-9])?$/,
    `must be a DNS label: lower case letters, digits and "-", starting with a letter, not ending with "-", at most ${DNS_LABEL_MAX} characters`,
  );

/** Kubernetes port names are IANA service names: at most 15 characters. */
const portName = z.string().regex(/^[a-z]([-a-z0-9]{0,13}[a-z0-9])?$/, 'must be a port name of at most 15 lower case characters');
const portNumber = z.int().min(1024, 'must be an unprivileged port (1024..65535)').max(65535);
const httpPath = z.string().regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be an absolute HTTP path such as /health/ready');

export const SIZES = ['small', 'medium', 'large'] as const;
export type Size = (typeof SIZES)[number];

export const AutoscalingSchema = z.strictObject({
  /** Lowest replica count. */
  min: z.int().min(1),
  /** Highest replica count. */
  max: z.int().min(1).max(100),
  /** Target average CPU utilisation, in percent of the request. @default 70 */
  cpuPercent: z.int().min(10).max(100).optional(),
});

const settingKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, "_")');

/** What a package may tune, in its base definition and per environment. */
const tunables = {
  /** Fixed replica count. @default - the environment's `replicas.default` */
  replicas: z.int().min(1).max(100).optional(),
  /** Horizontal autoscaling, or `false` to turn it off in one environment. @default - no autoscaling */
  autoscaling: z.union([AutoscalingSchema, z.literal(false)]).optional(),
  /** Size class: the environment's size profile turns it into requests and limits. @default 'small' */
  size: z.enum(SIZES).optional(),
  /** Non-secret settings, written to the package's ConfigMap. @default {} */
  settings: z.record(settingKey, z.string()).optional(),
  /** Graceful shutdown. @default { preStopSeconds: 5, terminationGracePeriodSeconds: 30 } */
  shutdown: z
    .strictObject({
      preStopSeconds: z.int().min(0).max(120).optional(),
      terminationGracePeriodSeconds: z.int().min(1).max(600).optional(),
    })
    .optional(),
};

/** Per-environment overrides: the same tunables, each optional, merged per key over the base. */
export const OverrideSchema = z.strictObject({
  ...tunables,
  autoscaling: z.union([AutoscalingSchema.partial(), z.literal(false)]).optional(),
});
export type Override = z.output<typeof OverrideSchema>;

const common = {
  /** Package name: also the name of its objects on the cluster. Must equal the package folder name. */
  name: dnsLabel,
  /** Owning team, as in CODEOWNERS. */
  team: dnsLabel,
  /** One line saying what the package is. */
  description: z.string().min(1).optional(),
  image: z.strictObject({
    /** Repository below the environment's registry, for example `b2connect/catalog`. */
    repository: z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, 'must be an image repository such as b2connect/catalog'),
    /** Tag. @default - the package's version from its package.json */
    tag: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag')
      .refine(isPinnedTag, PINNED_TAG_MESSAGE)
      .optional(),
  }),
  /** Other packages this one talks to, by package name. @default [] */
  dependsOn: z.array(dnsLabel).default([]),
  /**
   * Secret settings, by reference: environment variable -> key and property in the secret backend. They
   * reach the container through an ExternalSecret `<name>-secrets`; no value is in the bundle. @default {}
   */
  secrets: z
    .record(
      settingKey,
      z.strictObject({
        remoteKey: z.string().min(1),
        property: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be a property name of the remote secret'),
      }),
    )
    .default({}),

  ...tunables,
  /** Per-environment overrides, keyed by environment name. @default {} */
  overrides: z.record(dnsLabel, OverrideSchema).default({}),
  /**
   * Reviewed exceptions to the secret checks of `settings` (base and overrides): a setting named like a
   * secret, or with a random-looking value, that is not one. Each entry says why. A value in a known
   * credential format (a token, a private key, `Password=...`) is never allowed. @default []
   */
  allowSettings: z
    .array(
      z.strictObject({
        /** The setting, as in `settings`. */
        key: settingKey,
        /** Why the setting is not a secret, for the reviewer. */
        reason: z
          .string()
          .trim()
          .min(10, 'must say why the setting is not a secret (at least 10 characters), for whoever reviews the exception'),
      }),
    )
    .optional(),
};

/** The runtime conventions a web service may choose; kinds/runtime.ts implements each of them. */
export const RUNTIME_NAMES = ['aspnetcore'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];

export const WebServiceSpecSchema = z
  .strictObject({
    ...common,
    /** Role in the platform. @default 'domain-service' */
    component: z.enum(['api-gateway', 'domain-service']).default('domain-service'),
    /**
     * How the service reads its configuration (kinds/runtime.ts): `aspnetcore` names the platform's
     * settings `ASPNETCORE_*`, `Logging__*`, `Services__<Name>`, `Stores__<Name>__*`,
     * `FeatureManagement__*`. @default 'aspnetcore'
     */
    runtime: z.enum(RUNTIME_NAMES).default('aspnetcore'),
    /** Named container ports; `http` is required, `metrics` is scraped when present. */
    ports: z.record(portName, portNumber).refine((p) => 'http' in p, 'must declare an "http" port'),
    /** Health endpoints. @default { readiness: '/health/ready', liveness: '/health/live' } (the platform's convention) */
    health: z
      .strictObject({
        /** Readiness endpoint: ready to take traffic. @default '/health/ready' */
        readiness: httpPath.default('/health/ready'),
        /** Liveness endpoint: the process is not wedged. Must differ from readiness. @default '/health/live' */
        liveness: httpPath.default('/health/live'),
        /** Startup endpoint. @default - the readiness endpoint */
        startup: httpPath.optional(),
        /** Named port the probes use. @default 'http' */
        port: portName.default('http'),
      })
      .default({ readiness: '/health/ready', liveness: '/health/live', port: 'http' }),
  })
  .superRefine((spec, ctx) => {
    if (!(spec.health.port in spec.ports)) {
      ctx.addIssue({
        code: 'custom',
        path: ['health', 'port'],
        message: `probe port "${spec.health.port}" is not a declared port (declared: ${Object.keys(spec.ports).join(', ')})`,
      });
    }
    if (spec.health.readiness === spec.health.liveness) {
      ctx.addIssue({
        code: 'custom',
        path: ['health', 'liveness'],
        message: 'must differ from health.readiness: a liveness probe that fails on a busy dependency restarts healthy pods',
      });
    }
    checkCommon(spec, ctx);
    checkSettings(spec, asSecretReference, ctx);
  });

export const FrontendSpecSchema = z
  .strictObject({
    ...common,
    /** Serve index.html for unknown paths (single-page application routing). @default true */
    spa: z.boolean().default(true),
  })
  .superRefine((spec, ctx) => {
    checkCommon(spec, ctx);
    checkSettings(spec, notInAFrontend, ctx);
    for (const key of Object.keys(spec.secrets)) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', key],
        message: 'a frontend serves its files to every browser and cannot hold a secret; let the api-gateway (or a service) use it',
      });
    }
  });

function checkCommon(
  spec: {
    name: string;
    dependsOn: string[];
    autoscaling?: z.output<typeof AutoscalingSchema> | false;
    overrides: Record<string, Override>;
  },
  ctx: z.RefinementCtx,
): void {
  spec.dependsOn.forEach((dep, i) => {
    if (dep === spec.name) ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: 'a package cannot depend on itself' });
    if (spec.dependsOn.indexOf(dep) !== i) ctx.addIssue({ code: 'custom', path: ['dependsOn', i], message: `"${dep}" is listed twice` });
  });
  const range = spec.autoscaling ? autoscalingRangeProblem(spec.autoscaling) : undefined;
  if (range) ctx.addIssue({ code: 'custom', path: ['autoscaling', 'min'], message: range });
}

/** What the secret checks of settings read from a definition. */
interface SettingsOfSpec {
  readonly name: string;
  readonly settings?: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, unknown>>;
  readonly overrides: Readonly<Record<string, Override>>;
  readonly allowSettings?: readonly { readonly key: string; readonly reason: string }[];
}

/** What to do instead of a secret-like setting, in a service: declare a secret reference. */
const asSecretReference = (spec: SettingsOfSpec, key: string) =>
  `declare it as a secret reference instead, with the value in the secret backend: secrets: { ${key}: { remoteKey: 'b2connect/${spec.name}', property: '${nameWords(key).join('-')}' } }`;

/** What to do instead of a secret-like setting, in a frontend: its settings reach every browser. */
const notInAFrontend = () =>
  "a frontend's settings reach every browser, so a frontend cannot hold a secret; let the api-gateway (or a service) use it";

/**
 * Settings are written in plain text to the package's ConfigMap, so none may hold a secret: a value in a
 * known credential format, a name like a secret, a random-looking value (unless allowed, with a reason),
 * or the name of a declared secret.
 */
function checkSettings(spec: SettingsOfSpec, instead: (spec: SettingsOfSpec, key: string) => string, ctx: z.RefinementCtx): void {
  const allowed = new Set((spec.allowSettings ?? []).map((a) => a.key));
  const howTo = (key: string) => instead(spec, key);
  const layers: [readonly PropertyKey[], Readonly<Record<string, string>> | undefined][] = [
    [[], spec.settings],
    ...Object.entries(spec.overrides).map(([env, o]): [PropertyKey[], Record<string, string> | undefined] => [
      ['overrides', env],
      o.settings,
    ]),
  ];
  const used = new Set<string>();
  for (const [prefix, settings] of layers) {
    for (const [key, value] of Object.entries(settings ?? {})) {
      used.add(key);
      const path = [...prefix, 'settings', key];
      const problem = settingProblem(key, value, spec, allowed.has(key), howTo(key));
      if (problem) ctx.addIssue({ code: 'custom', path, message: problem });
    }
  }
  (spec.allowSettings ?? []).forEach((entry, i) => {
    if (!used.has(entry.key)) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowSettings', i, 'key'],
        message: `allows nothing: no setting ${entry.key} in settings or overrides; remove the entry`,
      });
    } else if ((spec.allowSettings ?? []).findIndex((a) => a.key === entry.key) !== i) {
      ctx.addIssue({ code: 'custom', path: ['allowSettings', i, 'key'], message: `${entry.key} is listed twice` });
    }
  });
}

/** What is wrong with one setting, or undefined. Values are never shown. */
function settingProblem(key: string, value: string, spec: SettingsOfSpec, allowed: boolean, howTo: string): string | undefined {
  const secret = Object.keys(spec.secrets).find((s) => s.toLowerCase() === key.toLowerCase());
  if (secret) return `shadows the secret ${secret} declared in secrets: both would reach the container as one variable; remove the setting`;
  const plain = 'settings are written in plain text to the ConfigMap';
  // Kubernetes expands $(VAR) in a container's env values, not in a ConfigMap read through envFrom,
  // and no shell expands ${VAR} or $VAR there either.
  const reference = variableReferenceIn(value);
  if (reference) {
    return `refers to ${reference}, which is never expanded: settings reach the container through a ConfigMap, where nothing expands a variable; declare the value as a secret reference or set it whole`;
  }
  const credential = credentialIn(value);
  if (credential) return `holds ${credential} (value not shown); ${plain}: ${howTo}`;
  if (allowed) return undefined;
  const allow = `If it is not a secret, list it in allowSettings: [{ key: '${key}', reason: '<why it is not a secret>' }]`;
  const word = secretLikeName(key);
  if (word) return `is named like a secret ("${word.toUpperCase()}"); ${plain}: ${howTo}. ${allow}`;
  if (highEntropyToken(value))
    return `looks like a generated secret (a long random-looking value, not shown); ${plain}: ${howTo}. ${allow}`;
  if (urlUserIn(value)) return `holds a URL with a user (user@host, value not shown), which may be a token; ${plain}: ${howTo}. ${allow}`;
  return undefined;
}

export type WebServiceSpecInput = z.input<typeof WebServiceSpecSchema>;
export type WebServiceSpec = z.output<typeof WebServiceSpecSchema>;
export type FrontendSpecInput = z.input<typeof FrontendSpecSchema>;
export type FrontendSpec = z.output<typeof FrontendSpecSchema>;
