import { defineWebService } from '@b2connect/k8s-lib';

export default defineWebService({
  name: 'catalog',
  team: 'catalog',
  description: 'Products, categories and prices.',
  image: { repository: 'b2connect/catalog' },
  ports: { http: 8080, metrics: 9090 },
  dependsOn: ['postgres'],
  // The schema changes run before the new version rolls out, against the store it owns.
  migrations: { command: ['dotnet', 'Catalog.dll', '--migrate'] },
  autoscaling: { min: 2, max: 6 },
  settings: { Catalog__PageSize: '50' },
});
