import path from 'node:path';
import type { DivergenceOptions, FitOptions, FitResult, LoopPosition, Metrics, Trainer, TrainingEvents } from '../contracts';
import { CheckpointError, DivergenceError, NonFiniteLossError, RunInterruptedError } from '../errors';
import type { Rng } from '../rng';
import { CHECKPOINT_VERSION, type LoopState, readCheckpoint, writeCheckpoint } from './checkpoint';
import { setAsideCheckpoints } from './checkpoint-rotation';
import { createDivergenceGuard, type DivergenceViolation } from './divergence-guard';
import { replaceWeightsDirectory } from '../io';

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
  /** Checkpoints kept, the latest included (the config's `checkpoints.keep`; `FitOptions` may override). */
  keepCheckpoints?: number;
  /** The divergence guard (the config's `divergence`; `FitOptions` may override). */
  divergence?: DivergenceOptions | false;
}

/** The last checkpoint written or resumed from, for messages that say what is kept. */
interface KeptCheckpoint {
  directory: string;
  epoch: number;
  batch: number;
}

function describeKept(checkpoint: KeptCheckpoint | undefined, best: LoopState['best'], bestDirectory: string): string {
  const kept = checkpoint
    ? `the last good checkpoint is kept (${checkpoint.batch === 0 ? `end of epoch ${checkpoint.epoch}` : `epoch ${checkpoint.epoch + 1} after batch ${checkpoint.batch}`}: ${checkpoint.directory})`
    : 'no checkpoint of this step had been written yet, so none is kept';
  return best ? `${kept}, and the best weights so far (epoch ${best.epoch}) in ${bestDirectory}` : kept;
}

/** Four significant digits; large and tiny values in exponent notation (2.093e+14). */
function formatValue(value: number): string {
  const rounded = Number(value.toPrecision(4));
  return Math.abs(rounded) >= 1e6 || (rounded !== 0 && Math.abs(rounded) < 1e-3) ? rounded.toExponential() : String(rounded);
}

function divergenceMessage(stage: string, violation: DivergenceViolation, position: LoopPosition, kept: string, perBatch: boolean): string {
  const where = perBatch ? `at epoch ${position.epoch + 1}, batch ${position.batch + 1}` : `as the mean of epoch ${position.epoch + 1}`;
  const value = formatValue(violation.value);
  const rule =
    violation.rule === 'threshold'
      ? `its magnitude passed the divergence bound ${formatValue(violation.limit)} (divergence.threshold)`
      : `more than ${formatValue(violation.limit / violation.best!.value)} times its best, ${formatValue(violation.best!.value)} in epoch ${violation.best!.epoch} (divergence.factor)`;
  const setting = violation.rule === 'threshold' ? 'raise divergence.threshold' : 'raise divergence.factor';
  return (
    `${stage}: training diverged: ${violation.metric} reached ${value} ${where}; ${rule}. Training stopped; ${kept}. ` +
    `Lower the learning rate (or add warm-up), then start a new run (resuming replays the same settings); if values this large are expected, ${setting} in the config (or set divergence: false).`
  );
}

function isBetter(value: number, best: number | undefined, mode: 'max' | 'min'): boolean {
  if (best === undefined) return true;
  return mode === 'max' ? value > best : value < best;
}

function assertFinite(metrics: Metrics, position: LoopPosition, context: TrainingLoopContext, what: string, kept: () => string = () => 'the last good checkpoint is kept'): void {
  for (const [name, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) {
      throw new NonFiniteLossError(
        `${context.stage}: ${name} became ${value} at epoch ${position.epoch + 1}, batch ${position.batch + 1} (${what}). ` +
          `Training stopped; ${kept()}. Lower the learning rate (or add warm-up), check the data for NaNs, then start a new run: resuming replays the same state and settings.`,
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
  const keepCheckpoints = options.keepCheckpoints ?? context.keepCheckpoints;
  const guard = createDivergenceGuard(options.divergence ?? context.divergence);
  let keptCheckpoint: KeptCheckpoint | undefined;
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
  let loaded;
  try {
    loaded = await readCheckpoint(checkpointDirectory);
  } catch (error) {
    if (!CheckpointError.isInstance(error) || !context.resumeHint) throw error;
    throw new CheckpointError(error.path, `${context.stage}: ${error.message} Then continue with: ${context.resumeHint}`, { cause: error });
  }
  if (loaded?.skipped) {
    const tensors = loaded.tensors;
    const moved = await setAsideCheckpoints(checkpointDirectory, loaded.skipped.map((entry) => entry.directory)).catch((error: unknown) => {
      for (const tensor of Object.values(tensors)) tensor.dispose();
      throw error;
    });
    const reached = Math.max(...loaded.skipped.map((entry) => entry.state?.globalStep ?? Number.NaN));
    const redone = Number.isFinite(reached)
      ? `${reached - loaded.state.globalStep} batch${reached - loaded.state.globalStep === 1 ? ' is' : 'es are'} trained again`
      : 'the batches after it are trained again (how many is unknown: the damaged state is unreadable)';
    const damaged = loaded.skipped.map((entry, index) => `${entry.directory} (${entry.reason}; set aside as ${path.basename(moved[index])})`).join(', ');
    await context.events.onLog?.(
      `${context.stage}: ${loaded.skipped.length === 1 ? 'the latest checkpoint is' : `the ${loaded.skipped.length} latest checkpoints are`} damaged: ${damaged}. ` +
        `Resuming from the previous one, ${loaded.directory}: ${redone}, to the same result.`,
      'warn',
    );
  }
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
    keptCheckpoint = { directory: loaded.directory, epoch: state.epoch, batch: state.batch };
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
      await writeCheckpoint(checkpointDirectory, tensors, state, trainer.getBuffers?.(), { keep: keepCheckpoints });
    } finally {
      for (const tensor of Object.values(tensors)) tensor.dispose();
    }
    keptCheckpoint = { directory: checkpointDirectory, epoch: state.epoch, batch: state.batch };
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
      assertFinite(metrics, position, context, 'training', () => describeKept(keptCheckpoint, state.best, bestDirectory));
      const violation = guard.checkBatch(metrics);
      if (violation) {
        throw new DivergenceError(divergenceMessage(context.stage, violation, position, describeKept(keptCheckpoint, state.best, bestDirectory), true), {
          ...violation,
          step: position.globalStep,
          epoch: position.epoch,
          checkpoint: keptCheckpoint?.directory,
        });
      }
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
    assertFinite(epochMetrics, endPosition, context, 'evaluation', () => describeKept(keptCheckpoint, state.best, bestDirectory));
    const epochViolation = guard.checkEpoch(epochMetrics, state.history);
    if (epochViolation) {
      throw new DivergenceError(divergenceMessage(context.stage, epochViolation, endPosition, describeKept(keptCheckpoint, state.best, bestDirectory), false), {
        ...epochViolation,
        step: endPosition.globalStep,
        epoch: endPosition.epoch,
        checkpoint: keptCheckpoint?.directory,
      });
    }
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
          await replaceWeightsDirectory(bestDirectory, 'tensors', tensors);
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
