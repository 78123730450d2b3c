import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Metrics, TrainerBuffers } from '../contracts';
import { CheckpointError } from '../errors';
import { atomicWriteFile, describeFileSystemError, isSystemError, readArrays, readWeights, writeArrays, writeWeights } from '../io';
import type { RngState } from '../rng';
import { checkpointLayout, listCheckpoints, rotateCheckpoint } from './checkpoint-rotation';

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

/** How many checkpoints a stage keeps by default, the latest included. */
export const DEFAULT_KEEP_CHECKPOINTS = 2;

/** Options of {@link writeCheckpoint}. */
export interface WriteCheckpointOptions {
  /** How many checkpoints to keep, the new one included (default {@link DEFAULT_KEEP_CHECKPOINTS}). */
  keep?: number;
}

/**
 * Writes a checkpoint directory atomically: everything goes to a fresh temporary directory
 * (each file flushed to disk), which is then renamed into place as the latest checkpoint; the
 * previous latest becomes `<directory>.step-<globalStep>`, and all but the newest `keep` are
 * removed. A crash at any moment leaves the earlier checkpoints whole, and a failed write (a full
 * disk) removes its temporary directory; {@link readCheckpoint} reads the newest complete one.
 */
export async function writeCheckpoint(
  directory: string,
  tensors: tf.NamedTensorMap,
  state: LoopState,
  buffers?: TrainerBuffers,
  options: WriteCheckpointOptions = {},
): Promise<void> {
  const parent = path.dirname(directory);
  await mkdir(parent, { recursive: true });
  const temporary = checkpointLayout.temporary(directory);
  await rm(temporary, { recursive: true, force: true });
  try {
    await mkdir(temporary, { recursive: true });
    await writeWeights(temporary, tensorsName, tensors);
    if (buffers !== undefined) await writeArrays(temporary, buffersName, buffers);
    const saved: LoopState = buffers === undefined ? state : { ...state, buffers: Object.keys(buffers) };
    await atomicWriteFile(path.join(temporary, stateFile), `${JSON.stringify(saved, null, 2)}\n`);
  } catch (error) {
    // Leave nothing half-written behind, and give back the space it took.
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await rotateCheckpoint(directory, temporary, Math.max(1, Math.floor(options.keep ?? DEFAULT_KEEP_CHECKPOINTS)));
}

/** A checkpoint passed over by {@link readCheckpoint} because it is damaged. */
export interface SkippedCheckpoint {
  directory: string;
  /** What is wrong with it. */
  reason: string;
  /** Its loop state, when that part is readable (how far it had got). */
  state?: LoopState;
}

/** A checkpoint read back: tensors (caller disposes), loop state and the trainer's binary buffers. */
export interface LoadedCheckpoint {
  directory: string;
  tensors: tf.NamedTensorMap;
  state: LoopState;
  buffers?: TrainerBuffers;
  /** Newer checkpoints that were damaged and passed over, newest first (absent when none). */
  skipped?: SkippedCheckpoint[];
}

/** Read errors that say nothing about the checkpoint itself: fix the cause and read it again. */
const passingReadErrors = new Set(['EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'EBUSY', 'ETIMEDOUT', 'ESTALE', 'EINTR', 'EAGAIN']);

function passingReadError(error: unknown): unknown {
  const cause = CheckpointError.isInstance(error) ? error.cause : error;
  return isSystemError(cause) && passingReadErrors.has(cause.code) ? cause : undefined;
}

function reasonOf(error: unknown, directory: string): string {
  return (error as Error).message
    .replace(/\s*Restore it or use an earlier checkpoint\.?$/, '')
    .replace(/\.$/, '')
    .split(`${directory}${path.sep}`)
    .join('');
}

/**
 * Reads the newest complete checkpoint of the stage whose latest checkpoint is `directory` (see
 * {@link writeCheckpoint}): newer ones that are damaged (truncated, failing their checksum, not
 * parseable) are passed over and listed in `skipped`. Returns `undefined` when there is none.
 *
 * @throws CheckpointError when every checkpoint is damaged, or one has another format version.
 * @throws FileSystemError when a checkpoint cannot be read for a reason outside it (permissions).
 */
export async function readCheckpoint(directory: string): Promise<LoadedCheckpoint | undefined> {
  const candidates = await listCheckpoints(directory);
  if (candidates.length === 0) return undefined;
  const skipped: SkippedCheckpoint[] = [];
  let firstError: unknown;
  for (const candidate of candidates) {
    const state = candidate.state;
    if (state === undefined) {
      skipped.push({ directory: candidate.directory, reason: candidate.problem ?? 'unreadable' });
      continue;
    }
    if (state.version !== CHECKPOINT_VERSION) {
      throw new CheckpointError(candidate.directory, `checkpoint ${candidate.directory} has format version ${state.version}; this runtime reads version ${CHECKPOINT_VERSION}. Start a new run.`);
    }
    try {
      const buffers = state.buffers === undefined ? undefined : ((await readArrays(candidate.directory, buffersName)) as TrainerBuffers);
      const tensors = await readWeights(candidate.directory, tensorsName);
      return { directory: candidate.directory, tensors, state, ...(buffers === undefined ? {} : { buffers }), ...(skipped.length > 0 ? { skipped } : {}) };
    } catch (error) {
      const passing = passingReadError(error);
      if (passing !== undefined) throw describeFileSystemError(passing, { writing: false });
      firstError ??= error;
      skipped.push({ directory: candidate.directory, reason: reasonOf(error, candidate.directory), state });
    }
  }
  const list = skipped.map((entry) => `${entry.directory} (${entry.reason})`).join(', ');
  throw new CheckpointError(
    directory,
    (skipped.length === 1 ? `checkpoint ${list} is corrupt. Delete it` : `every checkpoint of this step is corrupt: ${list}. Delete them`) +
      ' to restart this step from the beginning (the result is the same), or restore a copy.',
    { cause: firstError },
  );
}
