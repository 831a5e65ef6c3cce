import type { FrontendSpecInput, WebServiceSpecInput } from '../config/definition';
import type { FeatureFields } from './registry';

// The functions a package's deploy.ts calls for the kinds whose definitions take features; the other
// kinds declare theirs beside their schema (defineStore, defineClusterPackage).

/** What a package's `deploy.ts` exports by default. Validated by the loader, which knows the file. */
export type DeployableDefinition =
  | { readonly kind: 'web-service'; readonly spec: WebServiceSpecInput & FeatureFields }
  | { readonly kind: 'frontend'; readonly spec: FrontendSpecInput & Partial<Pick<FeatureFields, 'slos'>> };

/**
 * Declares an HTTP service (the API gateway or a domain service).
 *
 * ```ts
 * export default defineWebService({
 *   name: 'catalog', team: 'commerce', image: { repository: 'b2connect/catalog' },
 *   ports: { http: 8080, metrics: 9090 },
 * });
 * ```
 */
export function defineWebService(spec: WebServiceSpecInput & FeatureFields): DeployableDefinition {
  return { kind: 'web-service', spec };
}

/** Declares a static frontend served by an unprivileged nginx. */
export function defineFrontend(spec: FrontendSpecInput & Partial<Pick<FeatureFields, 'slos'>>): DeployableDefinition {
  return { kind: 'frontend', spec };
}
