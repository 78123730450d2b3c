import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exitCodes, runCli } from './cli';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-cli-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  return { io: { stdout, stderr }, output: () => out, errors: () => err };
}

const goodConfig = `
name: tiny
seed: 1
backend: cpu
data:
  dataset: { use: core:synthetic, count: 96, testCount: 32, shape: [4, 4, 1], numClasses: 2, noise: 0.1 }
  validation: 0.25
steps:
  - { id: model, use: core:train, model: { use: core:mlp, hidden: [8] }, epochs: 2, batchSize: 16 }
  - { id: evaluate, use: core:evaluate, models: [model] }
`;

describe('core-run', () => {
  it('prints the versions of @core/cli and @core/runtime from their package.json', async () => {
    const read = (file: string) => (JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { version: string }).version;
    const captured = capture();
    expect(await runCli(['--version'], captured.io)).toBe(exitCodes.ok);
    expect(captured.output().trim()).toBe(`${read('../package.json')} (@core/runtime ${read('../../runtime/package.json')})`);
  });

  it('prints help and fails on unknown commands with exit code 2', async () => {
    const help = capture();
    expect(await runCli(['--help'], help.io)).toBe(exitCodes.ok);
    expect(help.output()).toMatch(/core-run run <config.yaml>/);
    const unknown = capture();
    expect(await runCli(['frobnicate'], unknown.io)).toBe(exitCodes.invalid);
    expect(unknown.errors()).toMatch(/unknown command "frobnicate"/);
    const missing = capture();
    expect(await runCli(['run'], missing.io)).toBe(exitCodes.invalid);
  });

  it('rejects an invalid config with exit code 2, lists every problem and creates no run directory', async () => {
    const file = path.join(directory, 'bad.yaml');
    await writeFile(file, goodConfig.replace('epochs: 2', 'epohcs: 2').replace('core:evaluate', 'core:evaluat'));
    for (const command of ['validate', 'run']) {
      const captured = capture();
      expect(await runCli([command, file], captured.io)).toBe(exitCodes.invalid);
      expect(captured.errors()).toMatch(/2 problems found/);
      expect(captured.errors()).toMatch(/steps\[0\]\.epohcs: unknown option "epohcs". Did you mean "epochs"\?/);
      expect(captured.errors()).toMatch(/steps\[1\]\.use: unknown step "core:evaluat". Did you mean "core:evaluate"\?/);
    }
    expect(existsSync(path.join(directory, 'runs'))).toBe(false);
  });

  it('names a missing config file and a YAML syntax error with its line', async () => {
    const missing = capture();
    expect(await runCli(['validate', path.join(directory, 'nope.yaml')], missing.io)).toBe(exitCodes.invalid);
    expect(missing.errors()).toMatch(/config file not found/);
    const file = path.join(directory, 'broken.yaml');
    await writeFile(file, 'seed: 1\nsteps: [\n  { id: a\n');
    const broken = capture();
    expect(await runCli(['validate', file], broken.io)).toBe(exitCodes.invalid);
    expect(broken.errors()).toMatch(/line \d+, column \d+/);
  });

  it('runs a config, writes JSON lines when not on a terminal, and never reuses a run directory', async () => {
    const file = path.join(directory, 'tiny.yaml');
    await writeFile(file, goodConfig);
    const before = tf.memory().numTensors;
    const first = capture();
    expect(await runCli(['run', file], first.io)).toBe(exitCodes.ok);
    expect(first.output()).toMatch(/summary/);
    const events = first
      .errors()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((event) => event.event === 'epoch')).toHaveLength(2);
    expect(events.some((event) => event.event === 'run-start' && event.backend === 'cpu')).toBe(true);
    const second = capture();
    expect(await runCli(['run', file], second.io)).toBe(exitCodes.ok);
    expect(readdirSync(path.join(directory, 'runs'))).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains how to resume when the directory is not a run', async () => {
    const captured = capture();
    expect(await runCli(['resume', directory], captured.io)).toBe(exitCodes.failed);
    expect(captured.errors()).toMatch(/is not a run directory/);
  });

  it('reports a damaged run directory in one line with what to do, and the stack trace only with --debug', async () => {
    const file = path.join(directory, 'tiny.yaml');
    await writeFile(file, goodConfig);
    const run = path.join(directory, 'run');
    expect(await runCli(['run', file, '--run-dir', run], capture().io)).toBe(exitCodes.ok);
    await rm(path.join(run, 'config.resolved.json'));
    const plain = capture();
    expect(await runCli(['resume', run], plain.io)).toBe(exitCodes.failed);
    expect(plain.errors()).toMatch(new RegExp(`^error \\[E_RUN_DAMAGED\\]: cannot resume ${run}: ${run}/config\\.resolved\\.json is missing \\(it holds the validated config the run was started with\\)\\. Restore it from a copy of the run directory, or start the run again with core-run run <config file> \\(the run's original config is in config\\.yaml beside it\\)\\.\\n$`));
    const debug = capture();
    expect(await runCli(['resume', run, '--debug'], debug.io)).toBe(exitCodes.failed);
    expect(debug.errors()).toMatch(/^RunFileError: cannot resume [\s\S]*\n\s+at [\s\S]*caused by: Error: ENOENT[\s\S]*\nerror \[E_RUN_DAMAGED\]: cannot resume /);
  });

  it('lists components with their options and defaults', async () => {
    const captured = capture();
    expect(await runCli(['list', '--plugin', '@core/rkd'], captured.io)).toBe(exitCodes.ok);
    const text = captured.output();
    expect(text).toMatch(/core:train/);
    expect(text).toMatch(/epochs: integer = 5/);
    expect(text).toMatch(/core:kd[\s\S]*temperature: number = 4/);
  });
});
