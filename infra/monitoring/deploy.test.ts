import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizePackage, type KubeObject } from '@b2connect/k8s-lib';

let bundle: (env: string) => readonly KubeObject[];
beforeAll(async () => {
  bundle = await synthesizePackage(__dirname, (f) => import(/* @vite-ignore */ f));
}, 120_000);

const model = (env: string): any => {
  const [cm] = bundle(env);
  return JSON.parse(Object.values(cm!.data as Record<string, string>)[0]!);
};

describe('infra/monitoring', () => {
  it('emits the overview dashboard as a ConfigMap for Grafana, in the platform namespace, where prometheus-operator runs', () => {
    for (const env of ['staging', 'prod']) {
      const objects = bundle(env);
      expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/overview-dashboard']);
      expect(objects[0]!.metadata).toMatchObject({ namespace: 'b2connect', labels: { grafana_dashboard: '1' } });
      expect(model(env).uid).toBe('b2c-overview');
    }
  });

  it("gives every package with a dashboard a row that repeats its own dashboard's queries and links to it", () => {
    // Prod's stateless packages run in both blue-green slots: a row for each.
    expect(
      model('prod')
        .panels.filter((p: any) => p.type === 'row')
        .map((p: any) => p.title)
        .filter((t: string) => t.startsWith('search')),
    ).toEqual(['search (b2connect-blue)', 'search (b2connect-green)']);
    const rows = model('staging')
      .panels.filter((p: any) => p.type === 'row')
      .map((p: any) => p.title);
    expect(rows).toEqual([
      'admin-portal',
      'api-gateway',
      'catalog',
      'elasticsearch',
      'identity',
      'notifications',
      'orders',
      'postgres',
      'rabbitmq',
      'redis',
      'search',
      'storefront',
    ]);
    const search = model('staging').panels.filter((p: any) => p.title?.startsWith('search: '));
    expect(search.map((p: any) => p.title)).toEqual([
      'search: Ready pods',
      'search: Restarts (1h)',
      'search: Error budget remaining (period)',
    ]);
    expect(search[2].targets[0].expr).toBe('slo:period_error_budget_remaining:ratio{sloth_service="search"}');
    expect(search[0].links).toEqual([expect.objectContaining({ url: '/d/b2c-search' })]);
    // A store has no SLOs: no budget panel.
    expect(
      model('prod')
        .panels.filter((p: any) => p.title?.startsWith('redis: '))
        .map((p: any) => p.title),
    ).toEqual(['redis: Ready pods', 'redis: Restarts (1h)']);
  });

  it('emits nothing where the environment has no prometheus-operator', () => {
    expect(bundle('dev')).toEqual([]);
  });
});
