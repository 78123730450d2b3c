// Two `core-run resume` processes started at once on one run directory, whose previous process
// was killed and left its lock behind: exactly one takes the stale lock over (with a warning) and
// trains; the other is refused at once with the holder named; the run ends as an uninterrupted one.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreRun, leftovers, pipelineYaml, resultOf, startCoreRun, trainingRecords } from './__fixtures__/processes';

let directory: string;
let config: string;
let reference: string;
beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-concurrent-'));
  config = path.join(directory, 'tiny.yaml');
  await writeFile(config, pipelineYaml);
  reference = path.join(directory, 'reference');
  const uninterrupted = await coreRun(['run', config, '--run-dir', reference]);
  expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function waitFor(file: string, timeout = 60_000): Promise<void> {
  const started = Date.now();
  while (!existsSync(file)) {
    if (Date.now() - started > timeout) throw new Error(`${file} did not appear within ${timeout / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('one writer per run directory', () => {
  it('lets one of two simultaneous resumes train, refuses the other naming the holder, and takes over a dead process\'s lock', async () => {
    // Killed inside the first checkpoint write of the teacher: the run's lock stays behind.
    const killed = await coreRun(['run', config, '--run-dir', path.join(directory, 'run')], { at: 3, match: '/checkpoint' });
    expect(killed.signal).toBe('SIGKILL');
    const run = path.join(directory, 'run');
    const stale = JSON.parse(readFileSync(path.join(run, 'run.lock'), 'utf8'));

    // Both resumes start together; whichever takes the lock pauses at its first checkpoint write,
    // holding it, until the other has given up.
    const pauseFile = path.join(directory, 'go');
    const fault = { at: 1, match: '/checkpoint', action: 'pause' as const, pauseFile };
    const first = startCoreRun(['resume', run], fault);
    const second = startCoreRun(['resume', run], fault);
    const loser = await Promise.race([first.done, second.done]);
    await waitFor(`${pauseFile}.paused`);
    const winnerPid = Number(readFileSync(`${pauseFile}.paused`, 'utf8'));
    expect(loser.code, loser.stderr).toBe(1);
    const refusal = loser.stderr.trim().split('\n').at(-1)!;
    expect(refusal).toMatch(new RegExp(`^error \\[E_RUN_LOCKED\\]: run directory ${run} is in use by process ${winnerPid} on ${os.hostname().replace(/\./g, '\\.')} \\(resume, since [^)]+\\); only one process may write a run at a time\\. Wait for it to finish, or stop it \\(kill -INT ${winnerPid} writes a checkpoint first\\) and try again\\.$`));
    expect(loser.stderr).not.toMatch(/\n\s+at /);

    await writeFile(pauseFile, '');
    const winner = await (first.child.pid === winnerPid ? first : second).done;
    expect(winner.code, winner.stderr).toBe(0);
    const warning = winner.stderr.split('\n').filter((line) => line.includes('"warn"')).map((line) => JSON.parse(line).message);
    expect(warning).toEqual([`took over the lock of ${run} from process ${stale.pid} on ${stale.host} (run, since ${stale.started}), which no longer runs (it was killed or crashed).`]);

    expect(resultOf(run)).toEqual(resultOf(reference));
    expect(leftovers(run)).toEqual([]);
    // One writer: the metrics log holds each batch and epoch once, as the uninterrupted run's.
    expect(trainingRecords(run)).toEqual(trainingRecords(reference));
  }, 180_000);

  it('checkpoints and stops on SIGTERM like Ctrl-C (exit 130), and the resume ends identical', async () => {
    const run = path.join(directory, 'terminated');
    const pauseFile = path.join(directory, 'go-term');
    // Paused at its first checkpoint write (the teacher's first epoch done), then sent SIGTERM.
    const started = startCoreRun(['run', config, '--run-dir', run], { at: 1, match: '/checkpoint', action: 'pause', pauseFile });
    await waitFor(`${pauseFile}.paused`);
    started.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writeFile(pauseFile, '');
    const stopped = await started.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/stopping: writing a checkpoint after the current batch/);
    expect(stopped.stderr).toMatch(new RegExp(`teacher: interrupted at epoch 2, batch 1; checkpoint written to .*Resume with: core-run resume ${run}`));
    const resumed = await coreRun(['resume', run]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resultOf(run)).toEqual(resultOf(reference));
    expect(leftovers(run)).toEqual([]);
  }, 180_000);
});
