// Set-up shared by the executor entry points (synth.js, deploy.js): plain JavaScript, so that Nx does
// not load its own TypeScript support (see ../plugin.js); the workspace's TypeScript is loaded through
// @b2connect/k8s-lib/register.
require('@b2connect/k8s-lib/register');

// Nx stops its task processes with SIGTERM once their results are in (and may signal again while it
// exits). Exit normally on the first one instead, so that exit handlers run: the V8 code cache of the
// run is saved then (see register.js). Later signals find the listener still there and wait.
let stopping = false;
process.on('SIGTERM', () => {
  if (!stopping) {
    stopping = true;
    process.exit(143);
  }
});
