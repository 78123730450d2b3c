import { existsSync } from 'node:fs';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import { CHECKPOINT_VERSION, type LoopState, readCheckpoint, writeCheckpoint } from './checkpoint';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-checkpoint-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function state(epoch: number): LoopState {
  return { version: CHECKPOINT_VERSION, stage: 's', epoch, batch: 0, globalStep: epoch * 3, history: [], complete: false, seconds: 1, reason: 'epoch', savedAt: '' };
}

describe('checkpoints', () => {
  it('round-trips tensors and state, replacing the previous checkpoint atomically', async () => {
    const before = tf.memory().numTensors;
    const target = path.join(directory, 'checkpoint');
    const first = { 'model/w': tf.tensor2d([[1, 2], [3, 4]]), iterations: tf.scalar(3, 'int32') };
    await writeCheckpoint(target, first, state(1));
    const second = { 'model/w': tf.tensor2d([[5, 6], [7, 8]]), iterations: tf.scalar(6, 'int32') };
    await writeCheckpoint(target, second, state(2));
    expect(existsSync(`${target}.prev`)).toBe(false);
    const loaded = await readCheckpoint(target);
    expect(loaded?.state.epoch).toBe(2);
    expect(Array.from(loaded!.tensors['model/w'].dataSync())).toEqual([5, 6, 7, 8]);
    expect(loaded!.tensors.iterations.dtype).toBe('int32');
    tf.dispose([...Object.values(first), ...Object.values(second), ...Object.values(loaded!.tensors)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns nothing when there is no checkpoint, and falls back to the previous one after a torn swap', async () => {
    const target = path.join(directory, 'checkpoint');
    expect(await readCheckpoint(target)).toBeUndefined();
    const weights = { w: tf.tensor1d([1, 2, 3]) };
    // A crash between moving the old checkpoint aside and renaming the new one leaves only `.prev`.
    await writeCheckpoint(`${target}.prev`, weights, state(4));
    const loaded = await readCheckpoint(target);
    expect(loaded?.state.epoch).toBe(4);
    tf.dispose([...Object.values(weights), ...Object.values(loaded!.tensors)]);
  });

  it('reports a corrupt checkpoint clearly', async () => {
    const target = path.join(directory, 'checkpoint');
    const weights = { w: tf.tensor1d([1, 2, 3, 4]) };
    await writeCheckpoint(target, weights, state(1));
    await truncate(path.join(target, 'tensors.bin'), 5);
    const error = await readCheckpoint(target).catch((caught: unknown) => caught);
    expect(CheckpointError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/tensors\.bin/);
    await writeFile(path.join(target, 'state.json'), '{ not json');
    await expect(readCheckpoint(target)).rejects.toThrow(/corrupt.*Delete it to restart this step/);
    tf.dispose(Object.values(weights));
  });
});
