import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
