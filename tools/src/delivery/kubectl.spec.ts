import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyArgs, bundleKinds, publishKubectl, type KubectlRunner } from './kubectl';

function bundleDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'b2c-kubectl-'));
  mkdirSync(join(dir, 'catalog'));
  writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [catalog]\n');
  writeFileSync(join(dir, 'catalog', 'deployment-catalog.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: catalog}\n');
  writeFileSync(join(dir, 'catalog', 'service-catalog.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: catalog}\n');
  return dir;
}

/** A fake kubectl that records its calls and answers `config current-context`. */
function fakeKubectl(context: string): { run: KubectlRunner; calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run: async (args) => {
      calls.push([...args]);
      return { stdout: args[0] === 'config' ? `${context}\n` : 'deployment.apps/catalog serverside-applied\nservice/catalog unchanged\n' };
    },
  };
}

const request = (dir: string, dryRun = false) => ({
  envName: 'prod',
  bundleDir: dir,
  packages: ['catalog'],
  manifest: { environment: 'prod', packages: {} },
  dryRun,
});

describe('kubectl driver', () => {
  it('applies server-side with its field manager and prunes by label within the bundle kinds', () => {
    expect(applyArgs('/b/prod', 'aks-prod', ['apps/v1/Deployment', 'core/v1/Service'], false)).toEqual([
      'apply',
      '--context=aks-prod',
      '--server-side',
      '--field-manager=b2connect-deploy',
      '--force-conflicts',
      '-k',
      '/b/prod',
      '--prune',
      '-l',
      'app.kubernetes.io/managed-by=b2connect-deploy',
      '--prune-allowlist=apps/v1/Deployment',
      '--prune-allowlist=core/v1/Service',
    ]);
  });

  it('never prunes volumes or namespaces, even when they leave the bundle', () => {
    const args = applyArgs('/b/prod', 'aks-prod', ['core/v1/Namespace', 'core/v1/PersistentVolumeClaim', 'core/v1/Service'], false);
    expect(args.filter((a) => a.startsWith('--prune-allowlist='))).toEqual(['--prune-allowlist=core/v1/Service']);
  });

  it('asks the API server for a dry run when told to', () => {
    expect(applyArgs('/b/prod', 'aks-prod', [], true).at(-1)).toBe('--dry-run=server');
  });

  it('lists the kinds of the bundle for the prune allowlist', () => {
    expect(bundleKinds(bundleDir())).toEqual(['apps/v1/Deployment', 'core/v1/Service']);
  });

  it('applies when the current context is the one the environment declares', async () => {
    const kubectl = fakeKubectl('aks-b2connect-prod');
    const dir = bundleDir();
    const result = await publishKubectl(request(dir, true), 'aks-b2connect-prod', kubectl.run);
    expect(kubectl.calls[0]).toEqual(['config', 'current-context']);
    expect(kubectl.calls[1]).toEqual(applyArgs(dir, 'aks-b2connect-prod', ['apps/v1/Deployment', 'core/v1/Service'], true));
    expect(result).toEqual({ changed: true, summary: 'kubectl (dry run, server): 2 object(s) applied to aks-b2connect-prod' });
  });

  it('refuses to apply when the current context is another one, and applies nothing', async () => {
    const kubectl = fakeKubectl('aks-b2connect-dev');
    await expect(publishKubectl(request(bundleDir()), 'aks-b2connect-prod', kubectl.run)).rejects.toThrow(
      'refusing to apply prod: the current kube context is "aks-b2connect-dev" but environment prod declares "aks-b2connect-prod"',
    );
    expect(kubectl.calls).toEqual([['config', 'current-context']]);
  });
});

describe('kubectl driver without a kubeconfig', () => {
  it('refuses with the reason when no context is set', async () => {
    const run: KubectlRunner = async () => {
      throw Object.assign(new Error('Command failed'), { stderr: 'error: current-context is not set\n' });
    };
    await expect(publishKubectl(request(bundleDir()), 'aks-b2connect-prod', run)).rejects.toThrow(
      'refusing to apply prod: there is no current kube context (error: current-context is not set); environment prod declares "aks-b2connect-prod"',
    );
  });
});
