// Entry point Nx loads (nx.json "plugins"): plain JavaScript, so Nx does not load its own TypeScript
// support; the workspace's TypeScript is loaded through @b2connect/k8s-lib/register.
require('@b2connect/k8s-lib/register');
module.exports = require('./src/plugin.ts');
