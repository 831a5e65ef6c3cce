// Every temporary folder the tests create (workspaces, bundles, git repositories) goes below one
// folder per run, removed when the run ends: os.tmpdir() follows TMPDIR, which the test workers inherit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
