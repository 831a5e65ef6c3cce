import { describe, expect, it } from 'vitest';
import { renderManifests } from './writer';

const map = (name: string, namespace?: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: {} });

describe('renderManifests', () => {
  it('writes one name in two namespaces (a package in both blue-green slots) as two objects', () => {
    const text = renderManifests([map('web', 'b2connect-blue'), map('web', 'b2connect-green')], 'services/web/deploy.ts');
    expect(text.match(/^kind: ConfigMap$/gm)).toHaveLength(2);
  });

  it('fails when one object is emitted twice in one namespace, naming it and the namespace', () => {
    expect(() => renderManifests([map('web', 'b2connect-blue'), map('web', 'b2connect-blue')], 'services/web/deploy.ts')).toThrow(
      'services/web/deploy.ts: ConfigMap/web in b2connect-blue is emitted twice',
    );
    expect(() => renderManifests([map('web'), map('web')], 'services/web/deploy.ts')).toThrow(
      'services/web/deploy.ts: ConfigMap/web is emitted twice',
    );
  });
});
