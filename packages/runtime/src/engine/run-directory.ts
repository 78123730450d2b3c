import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { CoreError } from '../errors';

function timestamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/**
 * Creates a new, empty run directory `<parent>/<name>-<timestamp>[-n]`. Never reuses an existing
 * directory, so nothing of an earlier run is overwritten.
 */
export async function createRunDirectory(parent: string, name: string, date = new Date()): Promise<string> {
  await mkdir(parent, { recursive: true });
  const base = path.join(parent, `${name}-${timestamp(date)}`);
  for (let attempt = 1; attempt < 1000; attempt += 1) {
    const candidate = attempt === 1 ? base : `${base}-${attempt}`;
    try {
      await mkdir(candidate);
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new CoreError('E_RUN_EXISTS', `cannot create a run directory under ${parent}: ${base} and 998 numbered variants exist. Remove old runs, or set "output" (or --run-dir) to another directory.`);
}
