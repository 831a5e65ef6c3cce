// Writes .github/CODEOWNERS from the team each package declares. A test fails when it is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkspace } from '@b2connect/k8s-lib/pipeline';
import { renderCodeowners } from '../tools/src/codeowners';

const root = join(__dirname, '..');
loadWorkspace(root).then((ws) => {
  mkdirSync(join(root, '.github'), { recursive: true });
  writeFileSync(join(root, '.github', 'CODEOWNERS'), renderCodeowners(ws));
  console.log('wrote .github/CODEOWNERS');
});
