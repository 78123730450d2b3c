// SIGKILL at seeded points of a small pipeline (some inside checkpoint writes, some again during
// the resume), then `core-run resume`: every run must end exactly as an uninterrupted one, with the
// same metrics, byte-identical exported weights and the same metrics log, and leave no temporary
// files or lock behind.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreRun, leftovers, pipelineYaml, readOperations, resultOf, seededRandom, trainingRecords } from './__fixtures__/processes';

// Where the kills fall: chosen with a seeded generator among the operations of an uninterrupted run.
const scenarios = [
  { name: 'anywhere', among: 'all', resumeKilled: false },
  { name: 'anywhere, and again during the resume', among: 'all', resumeKilled: true },
  { name: 'inside a checkpoint write', among: 'checkpoint', resumeKilled: false },
  { name: 'inside a checkpoint write, and again during the resume', among: 'checkpoint', resumeKilled: true },
  { name: 'between the renames that put a checkpoint in place', among: 'rename', resumeKilled: false },
] as const;

let directory: string;
let config: string;
let reference: ReturnType<typeof resultOf>;
let referenceRecords: ReturnType<typeof trainingRecords>;
let operations: ReturnType<typeof readOperations>;
const points: Array<{ at: number; resumeAt?: number }> = [];

beforeAll(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-crash-'));
  config = path.join(directory, 'tiny.yaml');
  await writeFile(config, pipelineYaml);
  // The uninterrupted run, with every file operation logged: the fault points are chosen among them.
  const log = path.join(directory, 'operations.log');
  const outcome = await coreRun(['run', config, '--run-dir', path.join(directory, 'reference')], { log });
  expect(outcome.code, outcome.stderr).toBe(0);
  reference = resultOf(path.join(directory, 'reference'));
  referenceRecords = trainingRecords(path.join(directory, 'reference'));
  operations = readOperations(log);
  const random = seededRandom(14);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  // A kill before run.json exists leaves nothing to resume (core-run run starts again); after it, anything goes.
  const runJson = operations.find((entry) => entry.operation === 'rename' && /\/\.run\.json\.\d+\./.test(entry.file))!.index;
  const afterSetup = operations.filter((entry) => entry.index > runJson);
  const inCheckpoints = afterSetup.filter((entry) => /\/checkpoint(\.|\/|$)/.test(entry.file));
  const candidates = { all: afterSetup, checkpoint: inCheckpoints, rename: inCheckpoints.filter((entry) => entry.operation === 'rename' && !path.basename(entry.file).startsWith('.')) };
  for (const scenario of scenarios) {
    const at = pick(candidates[scenario.among]).index;
    // Killed again partway through the resume: before one of its first operations, up to half of what was left.
    points.push({ at, resumeAt: scenario.resumeKilled ? 1 + Math.floor(random() * Math.max(1, (operations.length - at) / 2)) : undefined });
  }
}, 180_000);
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('SIGKILL at seeded points, then core-run resume', () => {
  for (const [index, scenario] of scenarios.entries()) {
    it(`ends identical to an uninterrupted run: killed ${scenario.name}`, async () => {
      const { at, resumeAt } = points[index];
      const run = path.join(directory, `run-${index}`);
      const operation = operations[at - 1];
      const what = `killed before operation ${at} (${operation.operation} ${path.relative(path.join(directory, 'reference'), operation.file) || '.'})`;
      const killed = await coreRun(['run', config, '--run-dir', run], { at });
      expect(killed.signal, what).toBe('SIGKILL');
      if (resumeAt !== undefined) {
        const second = await coreRun(['resume', run], { at: resumeAt });
        expect(second.signal, `${what}, then the resume before its operation ${resumeAt}`).toBe('SIGKILL');
      }
      const resumed = await coreRun(['resume', run]);
      expect(resumed.code, `${what}: ${resumed.stderr}`).toBe(0);
      expect(resultOf(run), what).toEqual(reference);
      expect(leftovers(run), what).toEqual([]);
      // The metrics log holds each batch and epoch once, as the uninterrupted run's does.
      expect(trainingRecords(run), what).toEqual(referenceRecords);
    }, 180_000);
  }
});
