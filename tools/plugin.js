// Entry point Nx loads (nx.json "plugins"): plain JavaScript, so Nx does not load its own TypeScript
// support; the workspace's TypeScript is loaded through ./register.js.
require('./register');
module.exports = require('./src/plugin.ts');
