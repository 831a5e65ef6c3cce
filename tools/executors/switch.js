// Entry point Nx loads for the switch executor (executors.json).
require('./task-process');

module.exports = require('../src/executors/switch/executor.ts');
