import path from 'node:path';
import type { FitOptions, FitResult, LoopPosition, Metrics, Trainer, TrainingEvents } from '../contracts';
import { CheckpointError, NonFiniteLossError, RunInterruptedError } from '../errors';
import type { Rng } from '../rng';
import { CHECKPOINT_VERSION, type LoopState, readCheckpoint, writeCheckpoint } from './checkpoint';
import { writeWeights } from '../io';

/** Everything {@link runTrainingLoop} needs besides the trainer. */
export interface TrainingLoopContext {
  stage: string;
  /** Generator of this stage; each epoch forks its own from it, so resuming replays the same draws. */
  rng: Rng;
  /** Directory of this stage's checkpoints (`checkpoint/`, `best/`). */
  directory: string;
  events: TrainingEvents;
  signal?: AbortSignal;
  /** Where a user resumes the run, for the interrupt message. */
  runDirectory?: string;
  /** How to resume, shown when interrupted (default `core-run resume <runDirectory>`). */
  resumeHint?: string;
}

function isBetter(value: number, best: number | undefined, mode: 'max' | 'min'): boolean {
  if (best === undefined) return true;
  return mode === 'max' ? value > best : value < best;
}

function assertFinite(metrics: Metrics, position: LoopPosition, context: TrainingLoopContext, what: string): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) {
      throw new NonFiniteLossError(
        `${context.stage}: ${name} became ${value} at epoch ${position.epoch + 1}, batch ${position.batch + 1} (${what}). ` +
          'Training stopped; the last good checkpoint is kept. Lower the learning rate (or add warm-up), check the data for NaNs, then start a new run: resuming replays the same state and settings.',
        { step: position.globalStep, epoch: position.epoch },
      );
    }
  }
}

/**
 * The engine every trainer runs under: epochs of batches, events, NaN/Infinity checks, atomic
 * checkpoints every `checkpointEvery` epochs (and on interruption), the best weights by `monitor`,
 * and resuming from the latest checkpoint in `context.directory` with the same numbers as an
 * uninterrupted run.
 */
export async function runTrainingLoop(trainer: Trainer, context: TrainingLoopContext, options: FitOptions = {}): Promise<FitResult> {
  const checkpointDirectory = path.join(context.directory, 'checkpoint');
  const bestDirectory = path.join(context.directory, 'best');
  const checkpointEvery = options.checkpointEvery ?? 1;
  const mode = options.mode ?? 'max';
  const started = Date.now();

  let state: LoopState = {
    version: CHECKPOINT_VERSION,
    stage: context.stage,
    epoch: 0,
    batch: 0,
    globalStep: 0,
    history: [],
    complete: false,
    seconds: 0,
    reason: 'epoch',
    savedAt: '',
  };
  const loaded = await readCheckpoint(checkpointDirectory);
  if (loaded) {
    try {
      trainer.setState(loaded.tensors);
    } finally {
      for (const tensor of Object.values(loaded.tensors)) tensor.dispose();
    }
    state = loaded.state;
    if (state.extra !== undefined) trainer.setExtraState?.(state.extra);
    if (loaded.buffers !== undefined) {
      if (!trainer.setBuffers) {
        throw new CheckpointError(loaded.directory, `checkpoint ${loaded.directory} holds binary buffers (${Object.keys(loaded.buffers).join(', ')}) that trainer "${trainer.name}" cannot restore; it was written by another trainer. Resume with the config that wrote it.`);
      }
      trainer.setBuffers(loaded.buffers);
    }
    await context.events.onLog?.(`${context.stage}: resuming from ${loaded.directory} at epoch ${state.epoch + 1}, batch ${state.batch + 1}`, 'info');
  }
  const secondsBefore = state.seconds;

  const save = async (reason: LoopState['reason'], next: Partial<LoopState>): Promise<void> => {
    const tensors = trainer.getState();
    state = {
      ...state,
      ...next,
      extra: trainer.getExtraState?.(),
      seconds: secondsBefore + (Date.now() - started) / 1000,
      reason,
      savedAt: new Date().toISOString(),
    };
    try {
      await writeCheckpoint(checkpointDirectory, tensors, state, trainer.getBuffers?.());
    } finally {
      for (const tensor of Object.values(tensors)) tensor.dispose();
    }
    await context.events.onCheckpoint?.({
      stage: context.stage,
      directory: checkpointDirectory,
      epoch: state.epoch,
      batch: state.batch,
      reason: reason === 'complete' ? 'epoch' : reason,
    });
  };

  for (let epoch = state.epoch; epoch < trainer.epochs && !state.complete; epoch += 1) {
    const epochRng = context.rng.fork(`epoch-${epoch}`);
    await trainer.startEpoch?.(epoch, epochRng);
    const batches = trainer.batchesPerEpoch(epoch);
    let firstBatch = 0;
    let sums: Metrics = {};
    // How many batches reported each metric: a metric reported on some batches only (an episode's
    // return, an architecture step's loss) is averaged over those.
    let counts: Record<string, number> = {};
    if (epoch === state.epoch && state.batch > 0) {
      firstBatch = state.batch;
      if (state.rngState) epochRng.setState(state.rngState);
      sums = { ...(state.partial?.sums ?? {}) };
      counts = { ...(state.partial?.counts ?? Object.fromEntries(Object.keys(sums).map((name) => [name, state.partial?.count ?? 0]))) };
    }
    const basePosition = { stage: context.stage, epoch, epochs: trainer.epochs, batches };
    await context.events.onEpochStart?.({ ...basePosition, batch: firstBatch, globalStep: state.globalStep });

    for (let batch = firstBatch; batch < batches; batch += 1) {
      if (context.signal?.aborted) {
        await save('interrupt', { epoch, batch, rngState: epochRng.getState(), partial: { sums, counts } });
        throw new RunInterruptedError(
          `${context.stage}: interrupted at epoch ${epoch + 1}, batch ${batch + 1}; checkpoint written to ${checkpointDirectory}.` +
            (context.resumeHint ? ` Resume with: ${context.resumeHint}` : context.runDirectory ? ` Resume with: core-run resume ${context.runDirectory}` : ''),
          context.runDirectory,
        );
      }
      const position: LoopPosition = { ...basePosition, batch, globalStep: state.globalStep };
      const metrics = await trainer.trainBatch(position, epochRng);
      assertFinite(metrics, position, context, 'training');
      for (const [name, value] of Object.entries(metrics)) {
        sums[name] = (sums[name] ?? 0) + value;
        counts[name] = (counts[name] ?? 0) + 1;
      }
      state.globalStep += 1;
      await context.events.onBatchEnd?.({ ...position, globalStep: state.globalStep }, metrics);
    }

    const epochMetrics: Metrics = {};
    for (const [name, value] of Object.entries(sums)) epochMetrics[name] = value / Math.max(counts[name] ?? 0, 1);
    const validation = (await trainer.evaluate?.(epoch)) ?? {};
    for (const [name, value] of Object.entries(validation)) {
      epochMetrics[name.startsWith('val_') ? name : `val_${name}`] = value;
    }
    const endPosition: LoopPosition = { ...basePosition, batch: batches, globalStep: state.globalStep };
    assertFinite(epochMetrics, endPosition, context, 'evaluation');
    state.history = [...state.history, { epoch: epoch + 1, ...epochMetrics }];
    state.batch = 0;
    state.rngState = undefined;
    state.partial = undefined;
    await context.events.onEpochEnd?.(endPosition, epochMetrics);

    if (options.monitor !== undefined && epochMetrics[options.monitor] !== undefined) {
      const value = epochMetrics[options.monitor];
      if (isBetter(value, state.best?.[options.monitor], mode)) {
        state.best = { ...epochMetrics, epoch: epoch + 1 };
        const tensors = trainer.getState();
        try {
          await writeWeights(bestDirectory, 'tensors', tensors);
        } finally {
          for (const tensor of Object.values(tensors)) tensor.dispose();
        }
        await context.events.onCheckpoint?.({ stage: context.stage, directory: bestDirectory, epoch: epoch + 1, batch: 0, reason: 'best' });
      }
    }
    const last = epoch + 1 === trainer.epochs;
    if (last || (epoch + 1) % checkpointEvery === 0) {
      await save(last ? 'complete' : 'epoch', { epoch: epoch + 1, batch: 0, complete: last });
    } else {
      state.epoch = epoch + 1;
    }
  }

  return {
    history: state.history,
    last: state.history.at(-1) ?? {},
    best: state.best,
    seconds: secondsBefore + (Date.now() - started) / 1000,
  };
}
