import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import { CHECKPOINT_VERSION, type LoopState, readCheckpoint, writeCheckpoint } from './checkpoint';
import { listCheckpoints, setAsideCheckpoints } from './checkpoint-rotation';

let directory: string;
let base: string;
let tensorsBefore: number;
beforeEach(async () => {
  tensorsBefore = tf.memory().numTensors;
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-rotation-'));
  base = path.join(directory, 'checkpoint');
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

function state(globalStep: number, batch = 0): LoopState {
  return { version: CHECKPOINT_VERSION, stage: 's', epoch: Math.floor(globalStep / 4), batch, globalStep, history: [], complete: false, seconds: 1, reason: batch ? 'interrupt' : 'epoch', savedAt: '' };
}

async function save(globalStep: number, keep?: number, batch = 0): Promise<void> {
  const tensors = { w: tf.tensor1d([globalStep, globalStep + 0.5]) };
  try {
    await writeCheckpoint(base, tensors, state(globalStep, batch), undefined, keep === undefined ? {} : { keep });
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

async function load(): Promise<{ globalStep: number; values: number[]; directory: string; skipped: string[] } | undefined> {
  const loaded = await readCheckpoint(base);
  if (!loaded) return undefined;
  const values = Array.from(await loaded.tensors.w.data());
  tf.dispose(Object.values(loaded.tensors));
  return { globalStep: loaded.state.globalStep, values, directory: path.basename(loaded.directory), skipped: (loaded.skipped ?? []).map((entry) => path.basename(entry.directory)) };
}

const names = async () => (await readdir(directory)).sort();

describe('checkpoint rotation', () => {
  it('keeps the latest two checkpoints by default, and as many as asked', async () => {
    for (const step of [4, 8, 12]) await save(step);
    expect(await names()).toEqual(['checkpoint', 'checkpoint.step-8']);
    expect(await load()).toEqual({ globalStep: 12, values: [12, 12.5], directory: 'checkpoint', skipped: [] });
    await save(16, 3);
    await save(20, 3);
    expect(await names()).toEqual(['checkpoint', 'checkpoint.step-12', 'checkpoint.step-16']);
    await save(24, 1);
    expect(await names()).toEqual(['checkpoint']);
    expect((await listCheckpoints(base)).map((candidate) => candidate.globalStep)).toEqual([24]);
  });

  it('replaces an older checkpoint at the same position (an interrupt right after an epoch checkpoint)', async () => {
    await save(4);
    await save(8);
    await save(8, undefined, 0);
    expect(await names()).toEqual(['checkpoint', 'checkpoint.step-8']);
    expect((await load())?.globalStep).toBe(8);
  });

  it('passes over a damaged latest checkpoint to the one before, and says which it skipped', async () => {
    await save(4);
    await save(8);
    await truncate(path.join(base, 'tensors.bin'), 3);
    expect(await load()).toEqual({ globalStep: 4, values: [4, 4.5], directory: 'checkpoint.step-4', skipped: ['checkpoint'] });
    const loaded = await readCheckpoint(base);
    tf.dispose(Object.values(loaded!.tensors));
    expect(loaded!.skipped![0]).toMatchObject({ state: { globalStep: 8 } });
    expect(loaded!.skipped![0].reason).toMatch(/^weights data file tensors\.bin is 3 bytes but its manifest tensors\.json expects 8; the file is truncated/);

    // Set aside, the damaged one is neither read nor kept; the next checkpoint rotates normally.
    const [moved] = await setAsideCheckpoints(base, [base]);
    expect(path.basename(moved)).toMatch(/^checkpoint\.damaged-\d{8}T\d{6}$/);
    await save(8);
    expect((await names()).filter((name) => !name.includes('damaged'))).toEqual(['checkpoint', 'checkpoint.step-4']);
    expect((await load())?.skipped).toEqual([]);
  });

  it('treats a missing or unparseable state as damage, and reports when every checkpoint is damaged', async () => {
    await save(4);
    await save(8);
    await writeFile(path.join(base, 'state.json'), '{ "version": 1, "glob');
    expect(await load()).toMatchObject({ globalStep: 4, skipped: ['checkpoint'] });
    await rm(path.join(directory, 'checkpoint.step-4', 'tensors.json'));
    const error = await readCheckpoint(base).catch((caught: unknown) => caught);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/every checkpoint of this step is corrupt: .*checkpoint \(state\.json is not valid JSON.*checkpoint\.step-4 \(missing weights manifest tensors\.json.*Delete them to restart this step from the beginning \(the result is the same\)/);
  });

  it('leaves a whole checkpoint readable after a crash at any point of a write', async () => {
    await save(4);
    await save(8);
    // Killed while writing: a partial temporary directory is never read, and the next write removes it.
    await cp(base, `${base}.tmp-999999`, { recursive: true });
    await truncate(path.join(`${base}.tmp-999999`, 'tensors.bin'), 1);
    expect((await load())?.globalStep).toBe(8);
    // Killed between moving the latest aside and renaming the new one in: the older ones remain.
    await rename(base, `${base}.step-8`);
    expect(await load()).toMatchObject({ globalStep: 8, directory: 'checkpoint.step-8', skipped: [] });
    await save(12);
    expect(await names()).toEqual(['checkpoint', 'checkpoint.step-8']);
  });

  it('with keep: 1, still finds the previous checkpoint when killed between its two renames', async () => {
    await save(4, 1);
    await save(8, 1);
    await rename(base, `${base}.old-999999`);
    expect(await load()).toMatchObject({ globalStep: 8, directory: 'checkpoint.old-999999' });
    await save(12, 1);
    expect(await names()).toEqual(['checkpoint']);
  });

  it('reads and then retires the previous checkpoint of runtimes that kept checkpoint.prev', async () => {
    await save(4);
    await rename(base, `${base}.prev`);
    expect(await load()).toMatchObject({ globalStep: 4, directory: 'checkpoint.prev' });
    await save(8);
    expect(existsSync(`${base}.prev`)).toBe(false);
    expect(await names()).toEqual(['checkpoint']);
  });
});
