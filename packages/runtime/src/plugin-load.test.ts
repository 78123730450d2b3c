import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findInstalledPlugins, loadPlugins } from './plugin-load';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'core-plugins-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writePackage(directory: string, manifest: Record<string, unknown>): Promise<void> {
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, 'package.json'), JSON.stringify(manifest));
}

describe('findInstalledPlugins', () => {
  it('finds packages with the core-plugin keyword in node_modules here and above, and nothing else', async () => {
    const project = path.join(root, 'project', 'sub');
    await writePackage(path.join(root, 'project', 'node_modules', '@acme', 'pruning'), { name: '@acme/pruning', keywords: ['tensorflowjs', 'core-plugin'] });
    await writePackage(path.join(root, 'project', 'node_modules', 'left-pad'), { name: 'left-pad', keywords: ['string'] });
    await writePackage(path.join(root, 'node_modules', 'capsules'), { name: 'capsules', keywords: ['core-plugin'] });
    await writePackage(path.join(root, 'project', 'node_modules', 'broken'), { name: 'broken' });
    await mkdir(path.join(root, 'project', 'node_modules', '.pnpm'), { recursive: true });
    await mkdir(project, { recursive: true });
    expect(findInstalledPlugins([project])).toEqual(['@acme/pruning', 'capsules']);
  });

  it('says how to install a plugin that is missing', async () => {
    const { plugins, issues } = await loadPlugins(['@acme/not-installed'], { directories: [root] });
    expect(plugins).toEqual([]);
    expect(issues[0].message).toMatch(/cannot find package "@acme\/not-installed"/);
  });

  it.each([
    ['package-lock.json', 'npm install @acme/not-installed'],
    ['pnpm-lock.yaml', 'pnpm add @acme/not-installed'],
    ['yarn.lock', 'yarn add @acme/not-installed'],
  ])('with a %s, the install hint is "%s"', async (lockFile, command) => {
    await writePackage(root, { name: 'project' });
    await writeFile(path.join(root, lockFile), '');
    const { issues } = await loadPlugins(['@acme/not-installed'], { directories: [root] });
    expect(issues[0].message).toContain(`(${command})`);
  });
});
