import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Metrics, TrainerBuffers } from '../contracts';
import { CheckpointError } from '../errors';
import { atomicWriteFile, readArrays, readWeights, writeArrays, writeWeights } from '../io';
import type { RngState } from '../rng';

/** Format version of checkpoints written by this runtime. */
export const CHECKPOINT_VERSION = 1;

/** Loop position and bookkeeping saved beside a trainer's tensors. */
export interface LoopState {
  version: number;
  stage: string;
  /** Epoch to run next (0-based). */
  epoch: number;
  /** Next batch inside `epoch` (0 at an epoch boundary). */
  batch: number;
  globalStep: number;
  /** State of the epoch's generator when saved mid-epoch. */
  rngState?: RngState;
  /**
   * Sums of batch metrics of the unfinished epoch and how many batches reported each, so its means
   * match an uninterrupted run (`count`: batches so far, from checkpoints that predate `counts`).
   */
  partial?: { sums: Metrics; counts?: Record<string, number>; count?: number };
  /** Names of the trainer's binary buffers saved beside the tensors (`buffers.bin`). */
  buffers?: string[];
  history: Array<{ epoch: number } & Metrics>;
  best?: Metrics & { epoch: number };
  extra?: unknown;
  complete: boolean;
  seconds: number;
  reason: 'epoch' | 'interrupt' | 'complete';
  savedAt: string;
}

const stateFile = 'state.json';
const tensorsName = 'tensors';
const buffersName = 'buffers';

/**
 * Writes a checkpoint directory atomically: everything goes to a fresh temporary directory, then the
 * previous checkpoint is moved aside and the new one renamed into place. A crash at any moment leaves
 * either the old or the new checkpoint whole; {@link readCheckpoint} falls back to the previous one.
 */
export async function writeCheckpoint(directory: string, tensors: tf.NamedTensorMap, state: LoopState, buffers?: TrainerBuffers): Promise<void> {
  const parent = path.dirname(directory);
  await mkdir(parent, { recursive: true });
  const temporary = `${directory}.tmp-${process.pid}`;
  const previous = `${directory}.prev`;
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  await writeWeights(temporary, tensorsName, tensors);
  if (buffers !== undefined) await writeArrays(temporary, buffersName, buffers);
  const saved: LoopState = buffers === undefined ? state : { ...state, buffers: Object.keys(buffers) };
  await atomicWriteFile(path.join(temporary, stateFile), `${JSON.stringify(saved, null, 2)}\n`);
  if (existsSync(directory)) {
    await rm(previous, { recursive: true, force: true });
    await rename(directory, previous);
  }
  await rename(temporary, directory);
  await rm(previous, { recursive: true, force: true });
}

/** A checkpoint read back: tensors (caller disposes), loop state and the trainer's binary buffers. */
export interface LoadedCheckpoint {
  directory: string;
  tensors: tf.NamedTensorMap;
  state: LoopState;
  buffers?: TrainerBuffers;
}

/**
 * Reads the checkpoint in `directory` (or the previous one left by an interrupted write).
 * Returns `undefined` when none exists; throws {@link CheckpointError} when one exists but is corrupt.
 */
export async function readCheckpoint(directory: string): Promise<LoadedCheckpoint | undefined> {
  const candidates = [directory, `${directory}.prev`].filter((candidate) => existsSync(path.join(candidate, stateFile)));
  if (candidates.length === 0) return undefined;
  let firstError: unknown;
  for (const candidate of candidates) {
    try {
      const state = JSON.parse(await readFile(path.join(candidate, stateFile), 'utf8')) as LoopState;
      if (state.version !== CHECKPOINT_VERSION) {
        throw new CheckpointError(candidate, `checkpoint ${candidate} has format version ${state.version}; this runtime reads version ${CHECKPOINT_VERSION}. Start a new run.`);
      }
      const buffers = state.buffers === undefined ? undefined : ((await readArrays(candidate, buffersName)) as TrainerBuffers);
      const tensors = await readWeights(candidate, tensorsName);
      return { directory: candidate, tensors, state, ...(buffers === undefined ? {} : { buffers }) };
    } catch (error) {
      firstError ??= error;
    }
  }
  if (CheckpointError.isInstance(firstError)) throw firstError;
  throw new CheckpointError(
    directory,
    `checkpoint ${directory} is corrupt (${(firstError as Error).message}). Delete it to restart this step from scratch, or restore a copy.`,
    { cause: firstError },
  );
}
