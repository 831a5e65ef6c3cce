// Entry point Nx loads for the deploy executor (executors.json): plain JavaScript, see ../plugin.js.
require('@b2connect/k8s-lib/register');
module.exports = require('../src/executors/deploy/executor.ts');
