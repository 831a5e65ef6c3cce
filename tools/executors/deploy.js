// Entry point Nx loads for the deploy executor (executors.json).
require('./task-process');

module.exports = require('../src/executors/deploy/executor.ts');
