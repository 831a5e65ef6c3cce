import type { Workspace } from '@b2connect/k8s-lib/pipeline';

/** GitHub organisation whose teams own the packages. */
export const ORG = 'b2connect';

/** Paths the platform team owns besides its packages. */
const PLATFORM_PATHS = [
  '/libs/',
  '/tools/',
  '/environments/',
  '/scripts/',
  '/.ci/',
  '/.changeset/config.json',
  '/nx.json',
  '/package.json',
];

/**
 * CODEOWNERS derived from the team each package declares in its definition: a team owns its packages'
 * folders, the platform team owns the shared parts. Kept in sync by a test.
 */
export function renderCodeowners(ws: Workspace): string {
  const lines = ['# Generated from the team each package declares (npm run generate:codeowners). Do not edit.', '', `* @${ORG}/platform`];
  for (const path of PLATFORM_PATHS) lines.push(`${path} @${ORG}/platform`);
  for (const pkg of [...ws.packages.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1))) {
    lines.push(`/${pkg.dir}/ @${ORG}/${pkg.definition.spec.team}`);
  }
  return `${lines.join('\n')}\n`;
}
