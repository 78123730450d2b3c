import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { RunFileError } from '../errors';
import { describeFileSystemError } from '../io';

/** What a missing or damaged run file meant to the run, and what the user can do about it. */
const roles: Record<string, { holds: string; remedy: string }> = {
  'run.json': {
    holds: 'it records which steps finished and where the config came from',
    remedy: 'Restore it from a copy of the run directory, or start the run again with core-run run <config file>',
  },
  'config.resolved.json': {
    holds: 'it holds the validated config the run was started with',
    remedy: 'Restore it from a copy of the run directory, or start the run again with core-run run <config file> (the run\'s original config is in config.yaml beside it)',
  },
};

/**
 * Reads and parses one of a run directory's own JSON files (`run.json`, `config.resolved.json`).
 *
 * @throws RunFileError (`E_RUN_DAMAGED`) naming the file when it is missing or not valid JSON.
 * @throws FileSystemError when it cannot be read (permissions, a device error).
 */
export async function readRunFile<T>(runDirectory: string, name: keyof typeof roles | string): Promise<T> {
  const file = path.join(runDirectory, name);
  const role = roles[name] ?? { holds: 'the run needs it', remedy: 'Restore it from a copy of the run directory' };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new RunFileError(file, `cannot resume ${runDirectory}: ${file} is missing (${role.holds}). ${role.remedy}.`, { cause: error });
    }
    throw describeFileSystemError(error, { path: file, writing: false });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new RunFileError(file, `cannot resume ${runDirectory}: ${file} is damaged (not valid JSON: ${(error as Error).message}; ${role.holds}). ${role.remedy}.`, { cause: error });
  }
}

/** True when `directory` looks like a run directory (it has any of the files a run writes first). */
export function looksLikeRun(directory: string): boolean {
  return ['run.json', 'config.resolved.json', 'config.yaml', 'summary.json'].some((name) => existsSync(path.join(directory, name)));
}

/** Names of temporary files and directories the runtime writes and renames into place. */
const temporaryNames = [
  /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/, // atomicWriteFile
  /\.tmp-\d+$/, // a checkpoint being written
];
/** Temporary files of the run lock: another process may be taking it right now, so only a dead one's go. */
const lockTemporary = /^run\.lock(?:\.takeover)?\.(\d+)\.[0-9a-f]{8}\.tmp$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files and directories that a process killed mid-write left in a run
 * directory. Call it only while holding the run's lock: then no other process is writing them.
 * Returns how many it removed.
 */
export async function removeStaleTemporaries(runDirectory: string): Promise<number> {
  let removed = 0;
  const walk = async (directory: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      const lockPid = lockTemporary.exec(entry.name)?.[1];
      if (temporaryNames.some((pattern) => pattern.test(entry.name)) || (lockPid !== undefined && !isRunning(Number(lockPid)))) {
        await rm(full, { recursive: true, force: true });
        removed += 1;
      } else if (entry.isDirectory()) {
        await walk(full);
      }
    }
  };
  await walk(runDirectory);
  return removed;
}
