import { createHash } from 'node:crypto';
/** Value of `app.kubernetes.io/part-of` on every object. */
export const PART_OF = 'b2connect';
/** Value of `app.kubernetes.io/managed-by` on every object. */
export const MANAGED_BY = 'b2connect-deploy';
/** Label carrying the owning team. */
export const TEAM_LABEL = 'b2connect.io/team';

export interface LabelProps {
  readonly name: string;
  readonly component: string;
  readonly version: string;
  readonly team: string;
}

/** The labels that select a package's pods: stable across versions, so rollouts never orphan pods. */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
}

/** Standard labels of every object of a package. */
export function standardLabels(p: LabelProps): Record<string, string> {
  return {
    ...selectorLabels(p.name),
    'app.kubernetes.io/version': p.version,
    'app.kubernetes.io/component': p.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    [TEAM_LABEL]: p.team,
  };
}

/** kebab-case package name -> PascalCase, as in construct ids and `Services__ApiGateway`. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Annotation on a config object named by its content (`contentName`): the name it has without the
 * hash, which the bundle diff pairs versions by and the drivers keep previous versions by.
 */
export const CONFIG_NAME_ANNOTATION = 'b2connect.io/config-name';

/**
 * Annotation on a previous version of a config object that a driver keeps for rollback after a
 * newer one replaced it: how many versions replaced it (1 = the one before the current). Decision 014.
 */
export const RETAINED_ANNOTATION = 'b2connect.io/retained-for-rollback';

/**
 * `<base>-<hash>`: the name of a ConfigMap, or of the Secret an ExternalSecret creates, from a hash of
 * what it holds (10 hex digits of a sha256 over the content with its keys sorted). The pods refer to
 * that name, so a change of the content is a change of the pod template (a rollout), and a rollback of
 * the template finds its own config still there (decision 014). Nothing outside the package refers
 * to these names: the construct that makes the object hands its name to the references.
 */
export function contentName(base: string, content: unknown): string {
  return `${base}-${createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 10)}`;
}

/** JSON with the keys of every object sorted: the same content always gives the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
