import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkspace } from '@b2connect/k8s-lib/pipeline';
import { renderCodeowners } from './codeowners';

const root = join(__dirname, '../..');

describe('CODEOWNERS', () => {
  it('is in sync with the teams the packages declare (npm run generate:codeowners)', async () => {
    const ws = await loadWorkspace(root, (f) => import(/* @vite-ignore */ f));
    expect(readFileSync(join(root, '.github/CODEOWNERS'), 'utf8')).toBe(renderCodeowners(ws));
  });

  it('gives each package folder to the team its definition names', async () => {
    const ws = await loadWorkspace(root, (f) => import(/* @vite-ignore */ f));
    const text = renderCodeowners(ws);
    expect(text).toContain('/services/catalog/ @b2connect/catalog');
    expect(text).toContain('/services/api-gateway/ @b2connect/edge');
    expect(text).toContain('/infra/namespaces/ @b2connect/platform');
    // The last matching line wins in CODEOWNERS: package lines come after the catch-all.
    expect(text.indexOf('* @b2connect/platform')).toBeLessThan(text.indexOf('/services/'));
  });
});
