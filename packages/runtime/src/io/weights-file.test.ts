import { mkdtemp, readdir, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors';
import { atomicWriteFile } from './atomic-write';
import { readKeptWeights, readWeights, replaceWeightsDirectory, writeWeights } from './weights-file';

let tensorsBefore = 0;
let directory = '';
beforeEach(async () => {
  tensorsBefore = tf.memory().numTensors;
  directory = await mkdtemp(path.join(tmpdir(), 'weights-file-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
  expect(tf.memory().numTensors).toBe(tensorsBefore);
});

function sampleWeights(): tf.NamedTensorMap {
  return {
    'conv1/kernel': tf.tensor4d([0.5, -1.25, 3, 4e-8, 5, 6], [1, 1, 2, 3]),
    'bn1/moving_mean': tf.tensor1d([1, 2, 3]),
    'optimizer/iterations': tf.scalar(7, 'int32'),
    'mask/keep': tf.tensor1d([true, false, true], 'bool'),
    'empty/bias': tf.zeros([0]),
  };
}

async function expectCheckpointError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(CheckpointError.isInstance(caught), String(caught)).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
}

describe('writeWeights / readWeights', () => {
  it('round-trips names, shapes, dtypes and values', async () => {
    const weights = sampleWeights();
    await writeWeights(path.join(directory, 'nested'), 'state', weights);
    expect((await readdir(path.join(directory, 'nested'))).sort()).toEqual(['state.bin', 'state.json']);
    const manifest = JSON.parse(await readFile(path.join(directory, 'nested', 'state.json'), 'utf8'));
    expect(manifest.weights.map((entry: { name: string; offset: number }) => [entry.name, entry.offset])).toEqual([
      ['conv1/kernel', 0],
      ['bn1/moving_mean', 24],
      ['optimizer/iterations', 36],
      ['mask/keep', 40],
      ['empty/bias', 43],
    ]);

    const loaded = await readWeights(path.join(directory, 'nested'), 'state');
    expect(Object.keys(loaded)).toEqual(Object.keys(weights));
    for (const [name, tensor] of Object.entries(weights)) {
      expect(loaded[name].dtype, name).toBe(tensor.dtype);
      expect(loaded[name].shape, name).toEqual(tensor.shape);
      expect(loaded[name].arraySync(), name).toEqual(tensor.arraySync());
    }
    tf.dispose([weights, loaded]);
  });

  it('reports a missing manifest or data file', async () => {
    await expectCheckpointError(readWeights(directory, 'absent'), /missing weights manifest .*absent\.json/);
    const weights = sampleWeights();
    await writeWeights(directory, 'state', weights);
    await rm(path.join(directory, 'state.bin'));
    await expectCheckpointError(readWeights(directory, 'state'), /missing weights data file .*state\.bin/);
    tf.dispose(weights);
  });

  it('detects a truncated or corrupt data file', async () => {
    const weights = sampleWeights();
    await writeWeights(directory, 'state', weights);
    const dataPath = path.join(directory, 'state.bin');
    const original = await readFile(dataPath);

    await truncate(dataPath, original.byteLength - 4);
    await expectCheckpointError(readWeights(directory, 'state'), /truncated/);

    const flipped = Buffer.from(original);
    flipped[5] ^= 0xff;
    await writeFile(dataPath, flipped);
    await expectCheckpointError(readWeights(directory, 'state'), /checksum/);
    tf.dispose(weights);
  });

  it('rejects a bad manifest', async () => {
    const weights = sampleWeights();
    await writeWeights(directory, 'state', weights);
    const manifestPath = path.join(directory, 'state.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));

    await writeFile(manifestPath, '{"format": "core-weights", ');
    await expectCheckpointError(readWeights(directory, 'state'), /not valid JSON/);

    await writeFile(manifestPath, JSON.stringify({ ...manifest, format: 'something-else' }));
    await expectCheckpointError(readWeights(directory, 'state'), /not a valid weights manifest.*format/);

    manifest.weights[0].shape = [1, 1, 2, 4];
    await writeFile(manifestPath, JSON.stringify(manifest));
    await expectCheckpointError(readWeights(directory, 'state'), /"conv1\/kernel" has 24 bytes, but float32 \[1, 1, 2, 4\] needs 32/);
    tf.dispose(weights);
  });
});

describe('atomicWriteFile', () => {
  it('replaces a file completely and leaves no temporary files', async () => {
    const target = path.join(directory, 'sub', 'report.md');
    await atomicWriteFile(target, 'first version, longer than the second\n');
    await atomicWriteFile(target, 'second\n');
    await atomicWriteFile(path.join(directory, 'sub', 'bytes.bin'), new Uint8Array([1, 2, 3]));
    expect(await readFile(target, 'utf8')).toBe('second\n');
    expect([...(await readFile(path.join(directory, 'sub', 'bytes.bin')))]).toEqual([1, 2, 3]);
    expect((await readdir(path.join(directory, 'sub'))).sort()).toEqual(['bytes.bin', 'report.md']);
  });

  it('removes its temporary file when the rename fails', async () => {
    // Renaming a file over a non-empty directory fails.
    const target = path.join(directory, 'occupied');
    await atomicWriteFile(path.join(target, 'inside.txt'), 'x');
    await expect(atomicWriteFile(target, 'data')).rejects.toThrow();
    expect(await readdir(directory)).toEqual(['occupied']);
  });
});

describe('replaceWeightsDirectory', () => {
  const values = async (weights: tf.NamedTensorMap) => {
    const result = Array.from(await weights.w.data());
    tf.dispose(weights);
    return result;
  };

  it('replaces the weights, leaving only the directory behind', async () => {
    const best = path.join(directory, 'best');
    const first = { w: tf.tensor1d([1, 2]) };
    const second = { w: tf.tensor1d([3, 4, 5]) };
    await replaceWeightsDirectory(best, 'tensors', first);
    await replaceWeightsDirectory(best, 'tensors', second);
    expect(await values(await readKeptWeights(best, 'tensors'))).toEqual([3, 4, 5]);
    expect(await readdir(directory)).toEqual(['best']);
    tf.dispose([first, second]);
  });

  it('keeps the old weights when the new ones cannot be written', async () => {
    const best = path.join(directory, 'best');
    const good = { w: tf.tensor1d([1, 2]) };
    await replaceWeightsDirectory(best, 'tensors', good);
    const bad = { w: tf.tensor1d([1, 2]), s: tf.complex([1], [2]) };
    await expect(replaceWeightsDirectory(best, 'tensors', bad)).rejects.toThrow(/dtype complex64/);
    expect(await values(await readKeptWeights(best, 'tensors'))).toEqual([1, 2]);
    expect(await readdir(directory)).toEqual(['best']);
    tf.dispose([good, bad]);
  });

  it('reads the previous weights after a crash between the two renames, and a damaged directory falls back to them', async () => {
    const best = path.join(directory, 'best');
    const old = { w: tf.tensor1d([7, 8]) };
    await replaceWeightsDirectory(best, 'tensors', old);
    // The state a crash right after "rename best → best.prev" leaves.
    await rename(best, `${best}.prev`);
    expect(await values(await readKeptWeights(best, 'tensors'))).toEqual([7, 8]);
    // A damaged new directory next to the kept previous one.
    await writeWeights(best, 'tensors', old);
    await truncate(path.join(best, 'tensors.bin'), 3);
    expect(await values(await readKeptWeights(best, 'tensors'))).toEqual([7, 8]);
    // The next replacement drops the stale .prev and leaves one whole directory.
    await replaceWeightsDirectory(best, 'tensors', old);
    expect(await readdir(directory)).toEqual(['best']);
    tf.dispose(old);
  });

  it('throws the directory\'s own error when nothing whole is kept', async () => {
    await expectCheckpointError(readKeptWeights(path.join(directory, 'none'), 'tensors'), /missing weights manifest .*none\/tensors\.json/);
  });
});
