// The run directory on a small tmpfs that fills up mid-run: core-run stops with one line naming
// the file, the cause and the resume command (no stack trace); once there is space again, the
// resume ends identical to an uninterrupted run. Then the same file system read-only. Needs
// permission to mount (root, as in the project's containers); skipped with the reason elsewhere.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreRun, leftovers, pipelineYaml, resultOf } from './__fixtures__/processes';

let directory: string;
let mountPoint: string;
let unavailable: string | undefined;

function mount(options: string): void {
  execFileSync('mount', ['-o', options, mountPoint], { stdio: 'pipe' });
}

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-disk-full-'));
  mountPoint = path.join(directory, 'fs');
  await mkdir(mountPoint);
  if (process.platform !== 'linux') {
    unavailable = `mounting a tmpfs needs Linux (this is ${process.platform})`;
    return;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    unavailable = `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim() || 'mount failed'}); run the tests as root to cover a full disk`;
  }
});
afterAll(async () => {
  if (!unavailable) execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
  await rm(directory, { recursive: true, force: true });
});

async function used(): Promise<number> {
  const info = await statfs(mountPoint);
  return (info.blocks - info.bfree) * info.bsize;
}

describe('a full or read-only file system', () => {
  it('stops with one clear line when the disk fills up, changes nothing written before, and resumes to identical results', async (context) => {
    if (unavailable) context.skip(unavailable);
    const config = path.join(directory, 'tiny.yaml');
    await writeFile(config, pipelineYaml);
    // How much the run needs: an uninterrupted run on the same file system (also the reference).
    const reference = path.join(mountPoint, 'reference');
    const first = await coreRun(['run', config, '--run-dir', reference]);
    expect(first.code, first.stderr).toBe(0);
    const expected = resultOf(reference);
    const needed = await used();
    await rm(reference, { recursive: true });

    // Half of that: the disk fills up partway through the run.
    mount(`remount,size=${Math.ceil(needed / 2 / 4096) * 4}k`);
    const run = path.join(mountPoint, 'run');
    const failed = await coreRun(['run', config, '--run-dir', run]);
    expect(failed.code, failed.stderr).toBe(1);
    const lines = failed.stderr.trim().split('\n');
    const message = lines.at(-1)!;
    expect(message).toMatch(
      new RegExp(`^error \\[E_NO_SPACE\\]: cannot (write|create the directory|rename) ${run}/\\S+: no space left on the device \\(ENOSPC\\)\\. Everything written before is intact\\. Free some space on that device, then continue with: core-run resume ${run}\\.$`),
    );
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    // Every earlier line is a progress event (or tfjs's banner about its native backend): the error is reported once, on one line.
    const banner = /^(|=+|Hi, looks like you are running TensorFlow\.js in Node\.js\..*)$/;
    expect(lines.slice(0, -1).filter((line) => !line.startsWith('{') && !banner.test(line.trim())), failed.stderr).toEqual([]);

    mount('remount,size=4m');
    const resumed = await coreRun(['resume', run]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resultOf(run)).toEqual(expected);
    expect(leftovers(run)).toEqual([]);

    // Read-only: refused with the file named and what to do; the finished run is unchanged.
    mount('remount,ro');
    try {
      const readOnly = await coreRun(['resume', run]);
      expect(readOnly.code).toBe(1);
      expect(readOnly.stderr.trim().split('\n').at(-1)).toMatch(
        new RegExp(`^error \\[E_READ_ONLY\\]: cannot write ${run}/run\\.lock: the file system is read-only \\(EROFS\\)\\. Make it writable \\(remount it, or copy the run directory to a writable disk and use that copy\\), then try again\\.$`),
      );
      expect(resultOf(run)).toEqual(expected);
    } finally {
      mount('remount,rw');
    }
  }, 180_000);
});
