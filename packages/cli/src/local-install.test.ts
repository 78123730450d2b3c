import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLocalInstall, projectDirectories, runtimeOnlyMessage } from './local-install';

let root: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'core-local-install-')));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function writePackage(directory: string, manifest: Record<string, unknown>): Promise<string> {
  await mkdir(directory, { recursive: true });
  await writeFile(path.join(directory, 'package.json'), JSON.stringify(manifest));
  return directory;
}

describe('findLocalInstall', () => {
  it("hands off to the project's @core/cli when it is not the running one", async () => {
    const global = await writePackage(path.join(root, 'global', 'node_modules', '@core', 'cli'), { name: '@core/cli', version: '0.2.0', bin: { 'core-run': './dist/bin.js' } });
    const local = await writePackage(path.join(root, 'project', 'node_modules', '@core', 'cli'), { name: '@core/cli', version: '0.2.1', bin: { 'core-run': './dist/bin.js' } });
    await mkdir(path.join(root, 'project', 'configs'), { recursive: true });
    expect(findLocalInstall([path.join(root, 'project', 'configs')], global)).toEqual({ kind: 'cli', directory: local, version: '0.2.1', bin: path.join(local, 'dist', 'bin.js') });
    expect(findLocalInstall([path.join(root, 'project')], local)).toBeUndefined();
  });

  it('reports a project that installs @core/runtime without @core/cli, with commands for its package manager', async () => {
    const global = await writePackage(path.join(root, 'global', 'node_modules', '@core', 'cli'), { name: '@core/cli', version: '0.2.0' });
    const runtime = await writePackage(path.join(root, 'project', 'node_modules', '@core', 'runtime'), { name: '@core/runtime', version: '0.3.0' });
    await writeFile(path.join(root, 'project', 'pnpm-lock.yaml'), '');
    const found = findLocalInstall([path.join(root, 'project')], global);
    expect(found).toEqual({ kind: 'runtime-only', directory: runtime, version: '0.3.0', project: path.join(root, 'project') });
    const message = runtimeOnlyMessage(found as Extract<typeof found, { kind: 'runtime-only' }>);
    expect(message).toContain('pnpm add -D @core/cli');
    expect(message).toContain('pnpm exec core-run');
  });

  it('finds nothing in a project without the toolkit', async () => {
    const global = await writePackage(path.join(root, 'global', 'node_modules', '@core', 'cli'), { name: '@core/cli', version: '0.2.0' });
    await mkdir(path.join(root, 'empty'));
    expect(findLocalInstall([path.join(root, 'empty')], global)).toBeUndefined();
  });
});

describe('projectDirectories', () => {
  it("starts from the config's directory for run and validate, then the working directory", () => {
    expect(projectDirectories(['run', 'configs/tiny.yaml', '--json'], '/work/project')).toEqual(['/work/project/configs', '/work/project']);
    expect(projectDirectories(['list'], '/work/project')).toEqual(['/work/project']);
  });
});
