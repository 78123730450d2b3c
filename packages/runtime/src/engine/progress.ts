import type { LoopPosition, Metrics, TrainingEvents } from '../contracts';

/**
 * Where text is written: anything with `write(text)`, such as `process.stderr` or a test's
 * collector. Structural, so the published types need no `@types/node`.
 */
export interface TextStream {
  write(text: string): unknown;
  /** Whether the stream is a terminal (progress bar instead of JSON lines). */
  isTTY?: boolean;
  /** Terminal width in characters. */
  columns?: number;
}

/** Options of {@link createProgressReporter}. */
export interface ProgressReporterOptions {
  /** Where to write (default `process.stderr`). */
  stream?: TextStream;
  /** Force JSON lines (default: when the stream is not a terminal). */
  json?: boolean;
  /** Metrics shown on the bar, in order (default: loss, accuracy). */
  show?: string[];
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  const hours = Math.floor(minutes / 60);
  const pad = (value: number) => String(value).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes % 60)}:${pad(whole % 60)}` : `${minutes}:${pad(whole % 60)}`;
}

const hidden = new Set(['epoch', 'lr', 'seconds']);

function formatMetrics(metrics: Metrics, names?: string[]): string {
  const entries = Object.entries(metrics).filter(([name]) => (names ? names.includes(name) : !hidden.has(name)));
  return entries
    .map(([name, value]) => `${name} ${Number.isInteger(value) ? value.toLocaleString('en-US') : Math.abs(value) >= 1000 ? value.toFixed(0) : value.toFixed(4)}`)
    .join('  ');
}

/**
 * Progress for people: on a terminal, a bar per epoch with loss, metrics and ETA; otherwise one JSON
 * object per line (epochs, stages, checkpoints, messages) for log collectors.
 */
export function createProgressReporter(options: ProgressReporterOptions = {}): TrainingEvents {
  const stream = options.stream ?? process.stderr;
  const json = options.json ?? !stream.isTTY;
  const shown = options.show ?? ['loss', 'accuracy'];
  let epochStarted = 0;
  let firstBatch = 0;
  let lastDraw = 0;
  let barVisible = false;

  const line = (text: string): void => {
    if (barVisible) stream.write('\r\u001b[2K');
    barVisible = false;
    stream.write(`${text}\n`);
  };
  const emit = (record: Record<string, unknown>): void => {
    stream.write(`${JSON.stringify(record)}\n`);
  };

  if (json) {
    return {
      onRunStart: (info) => emit({ event: 'run-start', ...info }),
      onStageStart: (info) => emit({ event: 'stage-start', ...info }),
      onEpochEnd: (position, metrics) => emit({ event: 'epoch', stage: position.stage, epoch: position.epoch + 1, epochs: position.epochs, ...metrics }),
      onCheckpoint: (info) => emit({ event: 'checkpoint', ...info }),
      onStageEnd: (info) => emit({ event: 'stage-end', stage: info.stage, use: info.use, seconds: info.seconds, ...info.metrics }),
      onRunEnd: (info) => emit({ event: 'run-end', runDirectory: info.runDirectory }),
      onLog: (message, level) => emit({ event: 'log', level, message }),
    };
  }

  return {
    onRunStart: (info) => line(`run ${info.runDirectory}  backend ${info.backend} (${info.threads} thread${info.threads === 1 ? '' : 's'})  seed ${info.seed}${info.resumed ? '  (resumed)' : ''}`),
    onStageStart: (info) => line(`\n[${info.index + 1}/${info.total}] ${info.stage} (${info.use})${info.resumed ? ' resuming' : ''}`),
    onEpochStart: (position) => {
      epochStarted = Date.now();
      firstBatch = position.batch;
    },
    onBatchEnd: (position: LoopPosition, metrics) => {
      const now = Date.now();
      const done = position.batch + 1;
      if (now - lastDraw < 100 && done < position.batches) return;
      lastDraw = now;
      const rate = (now - epochStarted) / 1000 / Math.max(done - firstBatch, 1);
      const eta = rate * (position.batches - done);
      const width = 24;
      const filled = Math.round((done / Math.max(position.batches, 1)) * width);
      const bar = `${'='.repeat(Math.max(filled - 1, 0))}${filled > 0 ? '>' : ''}${' '.repeat(width - filled)}`;
      const text = `  epoch ${position.epoch + 1}/${position.epochs} [${bar}] ${done}/${position.batches}  ${formatMetrics(metrics, shown)}  ETA ${formatDuration(eta)}`;
      const columns = stream.columns ?? 120;
      stream.write(`\r\u001b[2K${text.slice(0, columns - 1)}`);
      barVisible = true;
    },
    onEpochEnd: (position, metrics) => {
      const seconds = (Date.now() - epochStarted) / 1000;
      line(`  epoch ${position.epoch + 1}/${position.epochs}  ${formatMetrics(metrics)}  (${seconds.toFixed(1)} s)`);
    },
    onCheckpoint: (info) => {
      if (info.reason === 'interrupt') line(`  checkpoint written: ${info.directory}`);
    },
    onStageEnd: (info) => line(`  done in ${formatDuration(info.seconds)}  ${formatMetrics(info.metrics)}`),
    onRunEnd: (info) => line(`\nrun finished: ${info.runDirectory}`),
    onLog: (message, level) => line(level === 'warn' ? `warning: ${message}` : `  ${message}`),
  };
}
