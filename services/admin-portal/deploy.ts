import { defineFrontend } from '@b2connect/k8s-lib';

export default defineFrontend({
  name: 'admin-portal',
  team: 'backoffice',
  description: 'Back-office web application for staff, served by nginx.',
  image: { repository: 'b2connect/admin-portal' },
  // Used by staff only: a fixed pair is enough in staging and production.
  replicas: 2,
});
