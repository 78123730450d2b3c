import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../contracts';
import { RunLockedError, type RunLockHolder } from '../errors';
import { describeFileSystemError } from '../io';

/** Name of the lock file in a run directory. */
export const runLockFile = 'run.lock';

/** What `run.lock` holds: who writes the run directory, and a token that tells this holder apart. */
interface LockRecord extends RunLockHolder {
  token: string;
  /** Start time of the process in the kernel's clock ticks (Linux), so a reused pid is told apart. */
  processStart?: string;
}

/** A held lock on a run directory; release it when the run ends. */
export interface RunLock {
  readonly file: string;
  /** Removes the lock file if this process still holds it. Idempotent. */
  release(): Promise<void>;
}

/** Options of {@link acquireRunLock}. */
export interface AcquireRunLockOptions {
  /** What the holder does, shown to a process that is refused (e.g. `core-run resume`). */
  command?: string;
  /** Receives the warning when a stale lock is taken over. */
  logger?: Logger;
}

function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); fields after the command name, which may hold spaces, start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

type HolderState = 'alive' | 'dead' | 'unknown';

function holderState(holder: LockRecord): HolderState {
  if (holder.host !== os.hostname()) return 'unknown';
  if (!Number.isInteger(holder.pid) || holder.pid <= 0) return 'dead';
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  const start = processStartOf(holder.pid);
  // The pid is in use; by the holder only if it started at the recorded time (pids are reused,
  // in containers within seconds: a restarted container's process may get the dead holder's pid).
  if (holder.processStart !== undefined && start !== undefined && start !== holder.processStart) return 'dead';
  return 'alive';
}

function describeHolder(holder: RunLockHolder): string {
  const details = [holder.command, holder.started && `since ${holder.started}`].filter(Boolean);
  return `process ${holder.pid} on ${holder.host}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}

async function readRecord(file: string): Promise<{ text: string; record?: LockRecord } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw describeFileSystemError(error);
  }
  try {
    const record = JSON.parse(text) as LockRecord;
    return typeof record?.pid === 'number' && typeof record.host === 'string' ? { text, record } : { text };
  } catch {
    return { text };
  }
}

/**
 * Creates `file` holding `text` only if it does not exist, never leaving it partly written: the
 * text goes to a private file first, which is then hard-linked to the name (atomic, and refused
 * when the name exists). Where hard links are not supported it falls back to an exclusive create.
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    try {
      const direct = await open(file, 'wx');
      try {
        await direct.writeFile(text);
      } finally {
        await direct.close();
      }
      return true;
    } catch (fallbackError) {
      if ((fallbackError as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw fallbackError;
    }
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Replaces a stale lock by this process's, unless it changed since it was read. The replacement is
 * one rename over the old file, so the lock file never disappears (a process that tries to create
 * it meanwhile is refused), and it is guarded by a second lock file, so of two processes that find
 * the same stale lock only one replaces it (the other then finds the new holder and is refused).
 */
async function replaceStale(file: string, seen: string, text: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  const record = JSON.stringify({ pid: process.pid, host: os.hostname() });
  if (!(await createExclusive(guard, record))) {
    // Another process is taking over; a guard left by a process killed mid-takeover expires.
    const age = await stat(guard).then((info) => Date.now() - info.mtimeMs, () => 0);
    if (age > 10_000) await rm(guard, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return false;
  }
  try {
    const current = await readRecord(file);
    if (current?.text !== seen) return false;
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text);
      await rename(temporary, file);
    } finally {
      await rm(temporary, { force: true });
    }
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/**
 * Takes the lock of a run directory (`run.lock`, holding the pid, host, command and start time),
 * so that one process at a time writes it: `run` and `resume` hold it for the whole run.
 *
 * A lock left by a process that no longer runs on this host (killed, or a pid since reused) is
 * taken over with a warning. A lock of a live process, or of a process on another host (which
 * cannot be checked from here), is refused with a {@link RunLockedError} that names the holder.
 *
 * @throws RunLockedError when another process holds the lock.
 * @throws FileSystemError when the lock file cannot be written (a read-only or full disk).
 */
export async function acquireRunLock(runDirectory: string, options: AcquireRunLockOptions = {}): Promise<RunLock> {
  const file = path.join(runDirectory, runLockFile);
  const record: LockRecord = {
    pid: process.pid,
    host: os.hostname(),
    command: options.command,
    started: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    processStart: processStartOf(process.pid),
  };
  const text = `${JSON.stringify(record, null, 2)}\n`;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    let created: boolean;
    try {
      created = await createExclusive(file, text);
    } catch (error) {
      throw describeFileSystemError(error, { path: file, writing: true });
    }
    if (created) return holdLock(file, record.token);
    const current = await readRecord(file);
    if (current === undefined) continue;
    const holder = current.record;
    if (holder !== undefined) {
      const state = holderState(holder);
      if (state !== 'dead') {
        const remedy =
          state === 'unknown'
            ? `Wait for it to finish. If no process on ${holder.host} uses this run any more, delete ${file} and try again.`
            : `Wait for it to finish, or stop it (kill -INT ${holder.pid} writes a checkpoint first) and try again.`;
        throw new RunLockedError(runDirectory, holder, `run directory ${runDirectory} is in use by ${describeHolder(holder)}; only one process may write a run at a time. ${remedy}`);
      }
    }
    const replaced = await replaceStale(file, current.text, text).catch((error: unknown) => {
      throw describeFileSystemError(error, { path: file, writing: true });
    });
    if (!replaced) continue;
    options.logger?.warn(
      holder
        ? `took over the lock of ${runDirectory} from ${describeHolder(holder)}, which no longer runs (it was killed or crashed).`
        : `took over the lock of ${runDirectory}: its lock file ${file} was unreadable.`,
    );
    return holdLock(file, record.token);
  }
  throw new RunLockedError(runDirectory, { pid: 0, host: os.hostname() }, `cannot take the lock ${file}: other processes keep taking it. Make sure only one process runs or resumes ${runDirectory}.`);
}

function holdLock(file: string, token: string): RunLock {
  let held = true;
  const ours = (text: string) => {
    try {
      return (JSON.parse(text) as LockRecord).token === token;
    } catch {
      return false;
    }
  };
  // If the process exits without releasing (a second Ctrl-C), the lock goes with it.
  const onExit = () => {
    try {
      if (ours(readFileSync(file, 'utf8'))) unlinkSync(file);
    } catch {
      // Already gone, or the disk is unavailable: the next process takes over the stale lock.
    }
  };
  process.once('exit', onExit);
  return {
    file,
    async release() {
      if (!held) return;
      held = false;
      process.off('exit', onExit);
      const current = await readFile(file, 'utf8').catch(() => undefined);
      if (current !== undefined && ours(current)) await rm(file, { force: true }).catch(() => undefined);
    },
  };
}
