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
