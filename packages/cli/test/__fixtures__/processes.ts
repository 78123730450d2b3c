// Shared by the process tests: run the built `core-run` in a child process, optionally with the
// fault hook preloaded, and read a finished run's results for comparison.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const binPath = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
export const hookPath = fileURLToPath(new URL('./fault-hook.mjs', import.meta.url));

/** A small pipeline on synthetic data: a teacher (3 epochs of 8 batches), a distilled student (2 epochs), an export. */
export const pipelineYaml = `
name: tiny
seed: 3
backend: cpu
data:
  dataset: { use: core:synthetic, count: 160, testCount: 32, shape: [4, 4, 1], numClasses: 3, seed: 1, noise: 0.2 }
  validation: 0.2
steps:
  - { id: teacher, use: core:train, model: { use: core:mlp, hidden: [16] }, epochs: 3, batchSize: 16 }
  - { id: student, use: core:distill, teacher: teacher, model: { use: core:mlp, hidden: [6] }, epochs: 2, batchSize: 16 }
  - { id: export, use: core:export, model: student }
`;

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Fault {
  at?: number;
  match?: string;
  action?: 'kill' | 'pause';
  pauseFile?: string;
  log?: string;
}

/** Starts `core-run <args>`; with a fault, the hook preloaded. */
export function startCoreRun(args: string[], fault?: Fault): { child: ChildProcess; done: Promise<Outcome> } {
  if (!existsSync(binPath)) throw new Error(`${binPath} is missing: build the packages first (pnpm build).`);
  const env: NodeJS.ProcessEnv = { ...process.env, CORE_THREADS: '1' };
  if (fault) {
    if (fault.at !== undefined) env.FAULT_AT = String(fault.at);
    if (fault.match) env.FAULT_MATCH = fault.match;
    if (fault.action) env.FAULT_ACTION = fault.action;
    if (fault.pauseFile) env.FAULT_PAUSE_FILE = fault.pauseFile;
    if (fault.log) env.FAULT_LOG = fault.log;
  }
  const child = spawn(process.execPath, [...(fault ? ['--import', hookPath] : []), binPath, ...args, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function coreRun(args: string[], fault?: Fault): Promise<Outcome> {
  return startCoreRun(args, fault).done;
}

/** What must not differ between an interrupted-and-resumed run and an uninterrupted one. */
export function resultOf(runDirectory: string): { status: string; metrics: Record<string, Record<string, number>>; weights: string; model: string } {
  const summary = JSON.parse(readFileSync(path.join(runDirectory, 'summary.json'), 'utf8'));
  const metrics = Object.fromEntries(
    Object.entries(summary.steps as Record<string, { metrics?: Record<string, number> }>).map(([id, step]) => [id, Object.fromEntries(Object.entries(step.metrics ?? {}).filter(([name]) => name !== 'seconds'))]),
  );
  return {
    status: summary.status,
    metrics,
    weights: readFileSync(path.join(runDirectory, 'exports/student/weights.bin')).toString('base64'),
    model: readFileSync(path.join(runDirectory, 'exports/student/model.json'), 'utf8'),
  };
}

/** The batch and epoch records of a run's metrics.jsonl, without their time stamps. */
export function trainingRecords(runDirectory: string): Array<Record<string, unknown>> {
  return readFileSync(path.join(runDirectory, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((record) => record.type === 'batch' || record.type === 'epoch')
    .map(({ time: _time, ...record }) => record);
}

/** Files a finished run must not leave behind: temporary directories and files, its lock. */
export function leftovers(runDirectory: string): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (/\.tmp(-\d+)?$|^run\.lock/.test(entry.name)) found.push(path.relative(runDirectory, full));
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(runDirectory);
  return found;
}

/** A small seeded generator (mulberry32), so the fault points are the same on every run of the tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** Operations the fault hook counted, as logged with FAULT_LOG. */
export function readOperations(log: string): Array<{ index: number; operation: string; file: string }> {
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [index, operation, ...file] = line.split(' ');
      return { index: Number(index), operation, file: file.join(' ') };
    });
}
