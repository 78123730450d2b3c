import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRegistry, prepareConfig, resumeRun, runPipeline } from '@core/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { plugin } from './index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-ebu-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const epochHistory = (run: string) =>
  readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((line) => line.type === 'epoch')
    .map(({ time: _time, ...rest }) => rest);

const crashAt = (step: number) => ({
  onBatchEnd: (position: { globalStep: number }) => {
    if (position.globalStep === step) throw new Error('simulated crash (the process was killed)');
  },
});

const chainConfig = (agent: string) => ({
  name: `chain-${agent}`,
  seed: 3,
  backend: 'cpu',
  steps: [
    {
      id: 'agent',
      use: 'ebu:train',
      agent,
      environment: { use: 'ebu:chain', length: 6, observation: 'index' },
      epsilon: { start: 1, end: 1, steps: 0 },
      epochs: 4,
      stepsPerEpoch: 60,
      replayCapacity: 500,
    },
    { id: 'evaluate', use: 'ebu:evaluate', agents: ['agent'], environment: { use: 'ebu:chain', length: 6, observation: 'index' }, episodes: 2 },
  ],
});

describe('the ebu plugin', () => {
  it('registers with its package version and runtime range', () => {
    expect(plugin.meta).toMatchObject({ name: 'ebu', version: packageJson.version, runtime: packageJson.peerDependencies['@core/runtime'] });
    expect(() => createRegistry().use(plugin)).not.toThrow();
  });

  it('rejects a typo in the environment options and β outside [0, 1]', async () => {
    const config = chainConfig('tabular-ebu');
    const typo = { ...config, steps: [{ ...config.steps[0], environment: { use: 'ebu:chain', lenght: 6 } }] };
    await expect(prepareConfig({ config: typo, directory }, { plugins: [plugin] })).rejects.toThrow(/lenght/);
    const beta = { ...config, steps: [{ ...config.steps[0], beta: 1.5 }] };
    await expect(prepareConfig({ config: beta, directory }, { plugins: [plugin] })).rejects.toThrow(/beta/);
  });

  it('tabular EBU finds the optimal chain policy in fewer updates than one-step Q-learning on the same random-behaviour replay', async () => {
    const ebu = await runPipeline({ config: chainConfig('tabular-ebu'), directory }, { plugins: [plugin] });
    const one = await runPipeline({ config: chainConfig('q-learning'), directory }, { plugins: [plugin] });
    const ebuUpdates = ebu.steps.agent.metrics!.updates_to_optimal;
    expect(ebuUpdates).toBeGreaterThan(0);
    expect(one.steps.agent.metrics!.updates_to_optimal ?? Infinity).toBeGreaterThan(ebuUpdates);
    // Greedy evaluation of the EBU table walks straight to the goal: 5 steps for 5 moves.
    expect(ebu.steps.evaluate.metrics!.agent_relative_length).toBe(1);
  });

  it('resumes a killed tabular run to the same numbers', async () => {
    const config = chainConfig('q-learning');
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [plugin] });
    const runDirectory = path.join(directory, 'killed');
    // Killed mid-way through the third epoch (after the second epoch's checkpoint), as kill -9 would.
    const failed = await runPipeline({ config, directory }, { plugins: [plugin], runDirectory, events: crashAt(150) }).catch((error: unknown) => error);
    expect(String(failed)).toMatch(/simulated crash/);
    const resumed = await resumeRun(runDirectory, { plugins: [plugin] });
    expect(resumed.steps.agent.metrics!).toEqual({ ...uninterrupted.steps.agent.metrics!, seconds: resumed.steps.agent.metrics!.seconds });
    expect(epochHistory(runDirectory).slice(-4)).toEqual(epochHistory(uninterrupted.runDirectory).slice(-4));
  });

  it('trains a small DQN and EBU on a one-hot maze, leaks no tensors, resumes to the same numbers and exports the Q-network', async () => {
    const config = (agent: string) => ({
      name: `maze-${agent}`,
      seed: 1,
      backend: 'cpu',
      steps: [
        {
          id: 'agent',
          use: 'ebu:train',
          agent,
          beta: 1,
          environment: { use: 'ebu:grid-maze', rows: 3, cols: 3, wallDensity: 0, maxSteps: 30 },
          network: { use: 'core:mlp', hidden: [8] },
          optimizer: { type: 'rmsprop', learningRate: 0.001 },
          batchSize: 8,
          learningStarts: 10,
          targetUpdate: 20,
          epsilon: { start: 1, end: 0.1, steps: 60 },
          epochs: 3,
          stepsPerEpoch: 25,
          replayCapacity: 200,
        },
        { id: 'export', use: 'core:export', model: 'agent' },
      ],
    });
    const before = tf.memory().numTensors;
    const ebu = await runPipeline({ config: config('ebu'), directory }, { plugins: [plugin] });
    expect(tf.memory().numTensors).toBe(before);
    expect(ebu.steps.agent.metrics!.loss).toBeGreaterThanOrEqual(0);
    expect(ebu.steps.agent.metrics!.val_relative_length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(path.join(ebu.runDirectory, 'exports/agent/model.json'), 'utf8')).toContain('modelTopology');
    expect(readFileSync(path.join(ebu.runDirectory, 'figures/agent-learning-curve.svg'), 'utf8')).toContain('<svg');

    const uninterrupted = await runPipeline({ config: config('dqn'), directory }, { plugins: [plugin] });
    const runDirectory = path.join(directory, 'killed');
    const failed = await runPipeline({ config: config('dqn'), directory }, { plugins: [plugin], runDirectory, events: crashAt(40) }).catch((error: unknown) => error);
    expect(String(failed)).toMatch(/simulated crash/);
    const checkpoint = JSON.parse(readFileSync(path.join(runDirectory, 'steps/agent/checkpoint/state.json'), 'utf8'));
    expect(checkpoint.buffers).toEqual(expect.arrayContaining(['observation', 'nextObservation', 'action', 'reward', 'end']));
    const resumed = await resumeRun(runDirectory, { plugins: [plugin] });
    expect(resumed.steps.agent.metrics!).toEqual({ ...uninterrupted.steps.agent.metrics!, seconds: resumed.steps.agent.metrics!.seconds });
    expect(epochHistory(runDirectory).slice(-2)).toEqual(epochHistory(uninterrupted.runDirectory).slice(-2));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adaptive EBU trains one learner per β, synchronises them to the best, and resumes to the same numbers', async () => {
    const config = {
      name: 'maze-adaptive',
      seed: 2,
      backend: 'cpu',
      steps: [
        {
          id: 'agent',
          use: 'ebu:train',
          agent: 'adaptive-ebu',
          betas: [0.5, 1],
          environment: { use: 'ebu:grid-maze', rows: 3, cols: 3, wallDensity: 0, maxSteps: 20 },
          network: { use: 'core:mlp', hidden: [8] },
          batchSize: 8,
          learningStarts: 10,
          targetUpdate: 15,
          epsilon: { start: 1, end: 0.2, steps: 40 },
          epochs: 2,
          stepsPerEpoch: 30,
          replayCapacity: 100,
        },
      ],
    };
    const before = tf.memory().numTensors;
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [plugin] });
    expect(tf.memory().numTensors).toBe(before);
    expect([0.5, 1]).toContain(uninterrupted.steps.agent.metrics!.best_beta);
    const runDirectory = path.join(directory, 'killed');
    const failed = await runPipeline({ config, directory }, { plugins: [plugin], runDirectory, events: crashAt(45) }).catch((error: unknown) => error);
    expect(String(failed)).toMatch(/simulated crash/);
    const resumed = await resumeRun(runDirectory, { plugins: [plugin] });
    expect(resumed.steps.agent.metrics).toEqual({ ...uninterrupted.steps.agent.metrics, seconds: resumed.steps.agent.metrics!.seconds });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains DQN on CartPole (unbounded observations, float32 replay) without leaking tensors', async () => {
    const config = {
      name: 'cartpole',
      seed: 4,
      backend: 'cpu',
      steps: [
        {
          id: 'agent',
          use: 'ebu:train',
          agent: 'ebu',
          environment: { use: 'ebu:cartpole', maxSteps: 50 },
          network: { use: 'core:mlp', hidden: [8] },
          batchSize: 8,
          learningStarts: 10,
          epochs: 1,
          stepsPerEpoch: 40,
          replayCapacity: 100,
          evalEpisodes: 1,
        },
      ],
    };
    const before = tf.memory().numTensors;
    const summary = await runPipeline({ config, directory }, { plugins: [plugin] });
    expect(tf.memory().numTensors).toBe(before);
    const metrics = summary.steps.agent.metrics!;
    // CartPole pays 1 per step: the evaluation return equals its length, at most the 50-step cap.
    expect(metrics.val_return).toBe(metrics.val_length);
    expect(metrics.val_length).toBeLessThanOrEqual(50);
    expect(metrics.val_relative_length).toBeUndefined();
  });
});
