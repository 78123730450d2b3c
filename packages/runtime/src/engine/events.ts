import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoopPosition, Metrics, TrainingEvents } from '../contracts';

const hookNames = [
  'onRunStart',
  'onStageStart',
  'onEpochStart',
  'onBatchEnd',
  'onEpochEnd',
  'onCheckpoint',
  'onStageEnd',
  'onRunEnd',
  'onLog',
] as const satisfies ReadonlyArray<keyof TrainingEvents>;

/** Calls every listener's hooks in order, awaiting each. */
export function combineEvents(...listeners: Array<TrainingEvents | undefined>): TrainingEvents {
  const present = listeners.filter((listener): listener is TrainingEvents => listener !== undefined);
  const combined: TrainingEvents = {};
  for (const name of hookNames) {
    const handlers = present.map((listener) => listener[name]).filter((handler) => handler !== undefined);
    if (handlers.length === 0) continue;
    (combined as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      for (const handler of handlers) await (handler as (...parameters: unknown[]) => unknown)(...args);
    };
  }
  return combined;
}

function round(metrics: Metrics): Metrics {
  const output: Metrics = {};
  for (const [name, value] of Object.entries(metrics)) output[name] = Number.isFinite(value) ? Number(value.toPrecision(6)) : value;
  return output;
}

/**
 * Appends one JSON object per line to `metrics.jsonl` in the run directory: every epoch, stage,
 * checkpoint and warning, and every `batchEvery`-th batch.
 */
export function createMetricsLogger(runDirectory: string, options: { batchEvery?: number } = {}): TrainingEvents {
  const file = path.join(runDirectory, 'metrics.jsonl');
  const batchEvery = options.batchEvery ?? 10;
  let ready: Promise<unknown> | undefined;
  const write = async (record: Record<string, unknown>): Promise<void> => {
    ready ??= mkdir(runDirectory, { recursive: true });
    await ready;
    await appendFile(file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  };
  return {
    onRunStart: (info) => write({ type: 'run-start', backend: info.backend, threads: info.threads, seed: info.seed, steps: info.steps, resumed: info.resumed }),
    onStageStart: (info) => write({ type: 'stage-start', stage: info.stage, use: info.use, resumed: info.resumed }),
    onBatchEnd: (position: LoopPosition, metrics) =>
      position.globalStep % batchEvery === 0
        ? write({ type: 'batch', stage: position.stage, epoch: position.epoch + 1, batch: position.batch + 1, step: position.globalStep, ...round(metrics) })
        : undefined,
    onEpochEnd: (position, metrics) => write({ type: 'epoch', stage: position.stage, epoch: position.epoch + 1, step: position.globalStep, ...round(metrics) }),
    onCheckpoint: (info) => write({ type: 'checkpoint', stage: info.stage, epoch: info.epoch, batch: info.batch, reason: info.reason, directory: info.directory }),
    onStageEnd: (info) => write({ type: 'stage-end', stage: info.stage, use: info.use, seconds: Number(info.seconds.toFixed(2)), ...round(info.metrics) }),
    onRunEnd: () => write({ type: 'run-end' }),
    // Warnings say what a resume lost or took over (a damaged checkpoint, a stale lock): keep them with the run.
    onLog: (message, level) => (level === 'warn' ? write({ type: 'warning', message }) : undefined),
  };
}
