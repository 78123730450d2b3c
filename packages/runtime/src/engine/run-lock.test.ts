import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunLockedError } from '../errors';
import { acquireRunLock, runLockFile } from './run-lock';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-lock-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function recorder() {
  const warnings: string[] = [];
  return { warnings, logger: { info: () => undefined, warn: (message: string) => void warnings.push(message) } };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('acquireRunLock', () => {
  it('records pid, host and command, refuses a second holder by name, and is free again once released', async () => {
    const lock = await acquireRunLock(directory, { command: 'resume' });
    const record = JSON.parse(readFileSync(path.join(directory, runLockFile), 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, host: os.hostname(), command: 'resume' });
    const error = await acquireRunLock(directory, { command: 'run' }).catch((caught: unknown) => caught);
    expect(RunLockedError.isInstance(error)).toBe(true);
    expect((error as RunLockedError).code).toBe('E_RUN_LOCKED');
    expect((error as RunLockedError).holder).toMatchObject({ pid: process.pid, host: os.hostname() });
    expect((error as Error).message).toMatch(new RegExp(`is in use by process ${process.pid} on ${os.hostname()} \\(resume, since .*\\); only one process may write a run at a time\\. Wait for it to finish, or stop it \\(kill -INT ${process.pid}`));
    await lock.release();
    await lock.release();
    expect(existsSync(path.join(directory, runLockFile))).toBe(false);
    const again = await acquireRunLock(directory);
    await again.release();
    // No temporary files are left behind.
    expect(await readdir(directory)).toEqual([]);
  });

  it('takes over the lock of a process that no longer runs, with a warning that names it', async () => {
    const pid = deadPid();
    await writeFile(path.join(directory, runLockFile), JSON.stringify({ pid, host: os.hostname(), command: 'resume', started: '2026-01-01T00:00:00.000Z', token: 'x' }));
    const { warnings, logger } = recorder();
    const lock = await acquireRunLock(directory, { logger });
    expect(warnings).toEqual([`took over the lock of ${directory} from process ${pid} on ${os.hostname()} (resume, since 2026-01-01T00:00:00.000Z), which no longer runs (it was killed or crashed).`]);
    expect(JSON.parse(readFileSync(path.join(directory, runLockFile), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('tells a reused pid from its holder by the process start time, and takes over an unreadable lock', async () => {
    // This very pid, but started at another time: the holder is gone and its pid was given to us.
    await writeFile(path.join(directory, runLockFile), JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'x', processStart: '1' }));
    const { warnings, logger } = recorder();
    const onLinux = existsSync(`/proc/${process.pid}/stat`);
    if (onLinux) {
      const lock = await acquireRunLock(directory, { logger });
      expect(warnings[0]).toMatch(new RegExp(`from process ${process.pid} .*which no longer runs`));
      await lock.release();
    }
    await writeFile(path.join(directory, runLockFile), '{ "pid": 12');
    const lock = await acquireRunLock(directory, { logger });
    expect(warnings.at(-1)).toMatch(/its lock file .*run\.lock was unreadable/);
    await lock.release();
  });

  it('refuses a lock held on another host, which it cannot check, and says how to clear it', async () => {
    await writeFile(path.join(directory, runLockFile), JSON.stringify({ pid: 4242, host: 'elsewhere.example', command: 'run', token: 'x' }));
    const error = await acquireRunLock(directory).catch((caught: unknown) => caught);
    expect(RunLockedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/in use by process 4242 on elsewhere\.example \(run\).*If no process on elsewhere\.example uses this run any more, delete .*run\.lock and try again\./);
  });

  it('lets exactly one of several concurrent takers win, of a free lock and of a stale one', async () => {
    for (const stale of [false, true]) {
      if (stale) await writeFile(path.join(directory, runLockFile), JSON.stringify({ pid: deadPid(), host: os.hostname(), token: 'x' }));
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => acquireRunLock(directory)));
      const won = results.filter((result) => result.status === 'fulfilled');
      expect(won).toHaveLength(1);
      expect(results.filter((result) => result.status === 'rejected').every((result) => RunLockedError.isInstance((result as PromiseRejectedResult).reason))).toBe(true);
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireRunLock>>>).value.release();
    }
  });
});
