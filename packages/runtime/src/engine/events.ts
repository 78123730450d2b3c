import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoopPosition, Metrics, TrainingEvents } from '../contracts';
import { atomicWriteFile } from '../io';

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

/** Ends a line left torn by a process that died (or ran out of space) mid-append, so the next record starts on its own line. */
async function endLine(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] !== 0x0a) await appendFile(file, '\n');
  } finally {
    await handle.close();
  }
}

/**
 * Removes the records of `stage` written after the position a resumed loop continues from: the
 * batches and epochs of work that a killed process did after its last checkpoint, which the loop now
 * trains again. The log then holds each batch and epoch once, as an uninterrupted run's does.
 */
async function dropRecordsAfter(file: string, stage: string, position: LoopPosition): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  // Checkpoint records count completed epochs and the next batch, as the position does.
  const after = (record: Record<string, unknown>): boolean =>
    record.type === 'batch' || record.type === 'epoch'
      ? (record.step as number) > position.globalStep
      : record.type === 'checkpoint' && ((record.epoch as number) > position.epoch || (record.epoch === position.epoch && (record.batch as number) > position.batch));
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const kept = lines.filter((line) => {
    try {
      const record = JSON.parse(line) as Record<string, unknown>;
      return record.stage !== stage || !after(record);
    } catch {
      return false;
    }
  });
  if (kept.length !== lines.length) await atomicWriteFile(file, `${kept.join('\n')}\n`);
}

/**
 * Appends one JSON object per line to `metrics.jsonl` in the run directory: every epoch, stage,
 * checkpoint and warning, and every `batchEvery`-th batch. In a resumed run, the records of work
 * trained again after the last checkpoint are replaced, not repeated.
 */
export function createMetricsLogger(runDirectory: string, options: { batchEvery?: number } = {}): TrainingEvents {
  const file = path.join(runDirectory, 'metrics.jsonl');
  const batchEvery = options.batchEvery ?? 10;
  let ready: Promise<unknown> | undefined;
  let resumed = false;
  const continued = new Set<string>();
  const write = async (record: Record<string, unknown>): Promise<void> => {
    ready ??= mkdir(runDirectory, { recursive: true }).then(() => endLine(file));
    await ready;
    await appendFile(file, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
  };
  return {
    onRunStart: (info) => {
      resumed = info.resumed;
      return write({ type: 'run-start', backend: info.backend, threads: info.threads, seed: info.seed, steps: info.steps, resumed: info.resumed });
    },
    onEpochStart: async (position) => {
      if (!resumed || continued.has(position.stage)) return;
      continued.add(position.stage);
      ready ??= mkdir(runDirectory, { recursive: true }).then(() => endLine(file));
      await ready;
      await dropRecordsAfter(file, position.stage, position);
    },
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
