import type { RuntimeName } from '../config/definition';
import type { Environment } from '../config/environment';
import { pascalCase } from '../labels';
import type { HttpServerMetrics } from '../blueprints/canary-analysis';
import type { Endpoint } from './kind';

/**
 * A runtime convention: how a service of one application stack reads its configuration. The platform
 * passes environment globals, dependencies and feature flags to every service; the convention names
 * them. A web service chooses its convention (`runtime`, default `aspnetcore`), so the generic pipeline
 * carries no stack's names.
 */
export interface RuntimeConvention {
  /** Settings from the environment and the service's own HTTP port, before everything else. */
  platform(env: Environment, httpPort: number): Record<string, string>;
  /** Settings and secret references a dependency gives the service. */
  dependency(endpoint: Endpoint): { settings: Record<string, string>; secretEnv: Record<string, { secret: string; key: string }> };
  /** The environment's feature flags, after everything else. */
  featureFlags(env: Environment): Record<string, string>;
  /** The HTTP server metrics its services expose, as Prometheus names them (what a canary analysis reads). */
  readonly httpMetrics: HttpServerMetrics;
}

/**
 * ASP.NET Core: configuration keys from environment variables with `__` as the section separator
 * (`Logging__LogLevel__Default`), `ASPNETCORE_*` for the host, Microsoft.FeatureManagement for flags.
 */
export const ASPNETCORE: RuntimeConvention = {
  platform: (env, httpPort) => ({
    ASPNETCORE_ENVIRONMENT: env.runtimeEnvironment,
    ASPNETCORE_HTTP_PORTS: String(httpPort),
    HealthCheck__Enabled: 'true',
    Logging__LogLevel__Default: env.logging.level,
    Logging__Console__FormatterName: env.logging.format === 'json' ? 'json' : 'simple',
  }),
  dependency: (endpoint) => {
    if (endpoint.type === 'http') return { settings: { [`Services__${pascalCase(endpoint.name)}`]: endpoint.url }, secretEnv: {} };
    const prefix = `Stores__${pascalCase(endpoint.name)}__`;
    const settings: Record<string, string> = { [`${prefix}Host`]: endpoint.host, [`${prefix}Port`]: String(endpoint.port) };
    for (const [key, value] of Object.entries(endpoint.connection)) settings[`${prefix}${key}`] = value;
    const secretEnv = Object.fromEntries(
      endpoint.credentials.keys.map((key) => [`${prefix}${pascalCase(key)}`, { secret: endpoint.credentials.secret, key }]),
    );
    return { settings, secretEnv };
  },
  featureFlags: (env) =>
    Object.fromEntries(Object.entries(env.featureFlags).map(([flag, on]) => [`FeatureManagement__${flag}`, String(on)])),
  // ASP.NET Core's `http.server.request.duration` histogram (seconds), through the OpenTelemetry Prometheus exporter.
  httpMetrics: {
    buckets: 'http_server_request_duration_seconds_bucket',
    count: 'http_server_request_duration_seconds_count',
    statusLabel: 'http_response_status_code',
  },
};

/** The runtime conventions a web service may choose, by name (the schema's RUNTIME_NAMES: one convention each). */
export const RUNTIMES = { aspnetcore: ASPNETCORE } as const satisfies Record<RuntimeName, RuntimeConvention>;
