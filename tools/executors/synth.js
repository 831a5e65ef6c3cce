// Entry point Nx loads for the synth executor (executors.json).
require('./task-process');

module.exports = require('../src/executors/synth/executor.ts');
