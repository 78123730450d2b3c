import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { syncDirectory } from '../io';
import type { LoopState } from './checkpoint';

/**
 * How a stage's checkpoints lie on disk, beside `<base>` (e.g. `steps/teacher/checkpoint`):
 *
 * - `<base>/`: the latest checkpoint;
 * - `<base>.step-<n>/`: older ones, named by their global batch count `n`, the newest `keep - 1` kept;
 * - `<base>.tmp-<pid>/`: a checkpoint being written (never read: it may be partial);
 * - `<base>.damaged-<time>/`: checkpoints found damaged and set aside for inspection (never read);
 * - `<base>.old-<pid>/`: with `keep: 1`, the previous latest while the new one is renamed in (read, then removed);
 * - `<base>.prev/`: the previous checkpoint of runtimes that kept one (read, then removed).
 *
 * A checkpoint only gets a readable name once it is complete (one rename of a finished directory),
 * so a crash at any moment leaves every readable checkpoint whole; which one is the newest is read
 * from the checkpoints themselves, not from the names.
 */
export const checkpointLayout = {
  older: (base: string, globalStep: number) => `${base}.step-${globalStep}`,
  temporary: (base: string) => `${base}.tmp-${process.pid}`,
  legacyPrevious: (base: string) => `${base}.prev`,
};

/** A readable checkpoint directory of a stage, newest first in {@link listCheckpoints}. */
export interface CheckpointCandidate {
  directory: string;
  /** Its loop state, when `state.json` parses. */
  state?: LoopState;
  /** Why its `state.json` cannot be used, when it cannot. */
  problem?: string;
  /** Global batch count it was written at (from the state, or from an older one's name). */
  globalStep?: number;
}

const stateFile = 'state.json';

async function readState(directory: string): Promise<{ state?: LoopState; problem?: string }> {
  let text: string;
  try {
    text = await readFile(path.join(directory, stateFile), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { problem: `${stateFile} is missing` };
    throw error;
  }
  try {
    const state = JSON.parse(text) as LoopState;
    if (typeof state !== 'object' || state === null || typeof state.globalStep !== 'number') return { problem: `${stateFile} holds no loop state` };
    return { state };
  } catch (error) {
    return { problem: `${stateFile} is not valid JSON: ${(error as Error).message}` };
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Lists the checkpoints of the stage whose latest checkpoint is `base`, newest first: by the global
 * batch count they were written at; at equal counts the latest (`base`) first. A checkpoint whose
 * state cannot be read is listed with its `problem`, placed by its name (the latest first, an
 * older one by the count in its name). Temporary and set-aside directories are not listed.
 */
export async function listCheckpoints(base: string): Promise<CheckpointCandidate[]> {
  const parent = path.dirname(base);
  const name = path.basename(base);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const older = new RegExp(`^${escapeRegExp(name)}\\.step-(\\d+)$`);
  // The previous latest while `keep: 1` swaps in a new one, and the previous checkpoint of earlier runtimes.
  const previous = new RegExp(`^${escapeRegExp(name)}\\.(prev|old-\\d+)$`);
  const candidates: Array<CheckpointCandidate & { rank: number; order: number }> = [];
  for (const entry of entries) {
    const match = older.exec(entry);
    const order = entry === name ? 0 : match ? 1 : previous.test(entry) ? 2 : -1;
    if (order < 0) continue;
    const directory = path.join(parent, entry);
    const { state, problem } = await readState(directory);
    const fromName = match ? Number(match[1]) : undefined;
    const globalStep = fromName ?? state?.globalStep;
    // Unknown positions: the latest is presumably the newest, a legacy previous one the oldest.
    const rank = globalStep ?? (order === 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
    candidates.push({ directory, state, problem, globalStep, rank, order });
  }
  candidates.sort((left, right) => (right.rank === left.rank ? left.order - right.order : right.rank > left.rank ? 1 : -1));
  return candidates.map(({ rank: _rank, order: _order, ...candidate }) => candidate);
}

function stamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/**
 * Moves damaged checkpoints out of the way, to `<base>.damaged-<time>[-n]`, so that they are
 * neither read again nor counted among the checkpoints kept. Returns where each went.
 */
export async function setAsideCheckpoints(base: string, directories: readonly string[]): Promise<string[]> {
  const moved: string[] = [];
  const time = stamp();
  for (const directory of directories) {
    let target = `${base}.damaged-${time}`;
    for (let index = 2; existsSync(target); index += 1) target = `${base}.damaged-${time}-${index}`;
    await rename(directory, target);
    moved.push(target);
  }
  await syncDirectory(path.dirname(base));
  return moved;
}

/**
 * Puts the complete checkpoint in `temporary` in place as the latest (`base`), keeping the
 * previous latest as an older one and removing all but the newest `keep - 1` older ones. Every
 * step is a rename of a complete directory or the removal of a surplus one, so a crash between
 * two steps leaves at least the newest `keep - 1` complete checkpoints readable.
 */
export async function rotateCheckpoint(base: string, temporary: string, keep: number): Promise<void> {
  const parent = path.dirname(base);
  if (existsSync(base)) {
    const { state } = await readState(base);
    if (state === undefined) {
      await setAsideCheckpoints(base, [base]);
    } else {
      const aside = keep <= 1 ? `${base}.old-${process.pid}` : checkpointLayout.older(base, state.globalStep);
      // An older checkpoint at the same position holds the same state: the newer copy replaces it.
      await rm(aside, { recursive: true, force: true });
      await rename(base, aside);
    }
  }
  await rename(temporary, base);
  await syncDirectory(parent);
  await pruneCheckpoints(base, keep);
}

/**
 * Removes what a stage no longer needs: older checkpoints beyond the newest `keep - 1`, the
 * previous checkpoint of runtimes that kept one, and temporary directories of writes that never
 * finished (the run directory has one writer at a time: its lock).
 */
export async function pruneCheckpoints(base: string, keep: number): Promise<void> {
  const parent = path.dirname(base);
  const name = path.basename(base);
  const older = new RegExp(`^${escapeRegExp(name)}\\.step-(\\d+)$`);
  const surplus = new RegExp(`^${escapeRegExp(name)}\\.(prev|old-\\d+|tmp-\\d+)$`);
  const entries = await readdir(parent);
  const olderOnes = entries
    .map((entry) => ({ entry, match: older.exec(entry) }))
    .filter((item): item is { entry: string; match: RegExpExecArray } => item.match !== null)
    .sort((left, right) => Number(right.match[1]) - Number(left.match[1]));
  const remove = [...olderOnes.slice(Math.max(keep - 1, 0)).map((item) => item.entry), ...entries.filter((entry) => surplus.test(entry))];
  for (const entry of remove) await rm(path.join(parent, entry), { recursive: true, force: true });
}
