import { defineFrontend } from '@b2connect/k8s-lib';

export default defineFrontend({
  name: 'storefront',
  team: 'storefront',
  description: 'Customer-facing web shop, a single-page application served by nginx.',
  image: { repository: 'b2connect/storefront' },
  autoscaling: { min: 2, max: 6 },
});
