// The contracts reinforcement learning (EBU) builds on, from the plugin's side: a Gymnasium-style
// environment registered by a plugin and built from config, seeded once in reset({ seed }) and
// owning its state; a step that needs no data set; a replay memory saved through the trainer's
// binary buffers beside the tensor checkpoint; per-episode metrics averaged over episodes; and a
// run killed mid-episode that resumes to the same numbers.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  componentSpec,
  createRng,
  defineEnvironment,
  definePlugin,
  defineStep,
  InvalidArgumentError,
  prepareConfig,
  resumeRun,
  runPipeline,
  type Environment,
  type RngState,
  type Trainer,
  type TrainerBuffers,
} from '../src/index';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(os.tmpdir(), 'core-environment-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

interface CorridorState {
  position: number;
  steps: number;
  rng: RngState;
}

/** A corridor of `length` cells: start in a random cell of the left half, +1 and terminal at the right end, truncated after `maxSteps`. */
function createCorridor(length: number, maxSteps: number): Environment<Float32Array, number> {
  let rng = createRng(0);
  let position = 0;
  let steps = 0;
  let closed = false;
  const observe = () => Float32Array.from({ length }, (_, index) => (index === position ? 1 : 0));
  return {
    observationSpace: { kind: 'box', shape: [length], low: 0, high: 1 },
    actionSpace: { kind: 'discrete', n: 2 },
    reset(options = {}) {
      if (options.seed !== undefined) rng = createRng(options.seed);
      position = rng.int(Math.ceil(length / 2));
      steps = 0;
      return { observation: observe(), info: { start: position } };
    },
    step(action) {
      if (closed) throw new InvalidArgumentError('environment', 'the corridor is closed');
      if (action !== 0 && action !== 1) throw new InvalidArgumentError('action', `action must be 0 (left) or 1 (right), got ${action}`);
      // A slippery floor: one move in ten goes the other way.
      const slip = rng.next() < 0.1;
      position = Math.max(0, Math.min(length - 1, position + ((action === 1) !== slip ? 1 : -1)));
      steps += 1;
      const terminated = position === length - 1;
      return { observation: observe(), reward: terminated ? 1 : 0, terminated, truncated: !terminated && steps >= maxSteps, info: { steps } };
    },
    close() {
      closed = true;
    },
    getState: (): CorridorState => ({ position, steps, rng: rng.getState() }),
    setState(state) {
      const saved = state as CorridorState;
      position = saved.position;
      steps = saved.steps;
      rng.setState(saved.rng);
    },
  };
}

const capacity = 64;

/** Tabular Q-learning over the corridor's one-hot cells with a uniform replay memory. */
function createAgent(environment: Environment<Float32Array, number>, options: { epochs: number; stepsPerEpoch: number; seed: number }, crash: { at?: number }): Trainer {
  const cells = (environment.observationSpace as { shape: readonly number[] }).shape[0];
  const q = tf.tidy(() => tf.variable(tf.zeros([cells, 2])));
  const memory = { state: new Int32Array(capacity), action: new Int32Array(capacity), reward: new Float32Array(capacity), next: new Int32Array(capacity), terminal: new Uint8Array(capacity) };
  let stored = 0;
  let cursor = 0;
  let observation = environment.reset({ seed: options.seed }).observation;
  let episodeReturn = 0;
  let episodeSteps = 0;
  let updates = 0;
  const cellOf = (one: Float32Array) => one.indexOf(1);
  return {
    name: 'agent',
    epochs: options.epochs,
    batchesPerEpoch: () => options.stepsPerEpoch,
    trainBatch(position, rng) {
      if (crash.at !== undefined && position.globalStep === crash.at) throw new Error('simulated crash (the process was killed)');
      const values = q.arraySync() as number[][];
      const state = cellOf(observation);
      const action = rng.next() < 0.3 ? rng.int(2) : values[state][1] >= values[state][0] ? 1 : 0;
      const result = environment.step(action);
      memory.state[cursor] = state;
      memory.action[cursor] = action;
      memory.reward[cursor] = result.reward;
      memory.next[cursor] = cellOf(result.observation);
      memory.terminal[cursor] = result.terminated ? 1 : 0;
      cursor = (cursor + 1) % capacity;
      stored = Math.min(stored + 1, capacity);
      episodeReturn += result.reward;
      episodeSteps += 1;
      // One update from a uniformly sampled transition.
      const index = rng.int(stored);
      const target = memory.reward[index] + (memory.terminal[index] ? 0 : 0.9 * Math.max(...values[memory.next[index]]));
      values[memory.state[index]][memory.action[index]] += 0.5 * (target - values[memory.state[index]][memory.action[index]]);
      tf.tidy(() => q.assign(tf.tensor2d(values)));
      updates += 1;
      const metrics: Record<string, number> = { q_start: values[0][1] };
      if (result.terminated || result.truncated) {
        metrics.episode_return = episodeReturn;
        metrics.episode_length = episodeSteps;
        observation = environment.reset().observation;
        episodeReturn = 0;
        episodeSteps = 0;
      } else {
        observation = result.observation;
      }
      return metrics;
    },
    getState: () => ({ q: q.clone() }),
    setState: (state) => q.assign(state.q),
    getExtraState: () => ({ environment: environment.getState!(), observation: Array.from(observation), episodeReturn, episodeSteps, stored, cursor, updates }),
    setExtraState(extra) {
      const saved = extra as { environment: unknown; observation: number[]; episodeReturn: number; episodeSteps: number; stored: number; cursor: number; updates: number };
      environment.setState!(saved.environment);
      observation = Float32Array.from(saved.observation);
      ({ episodeReturn, episodeSteps, stored, cursor, updates } = saved);
    },
    getBuffers: (): TrainerBuffers => ({ ...memory }),
    setBuffers(buffers) {
      memory.state.set(buffers.state as Int32Array);
      memory.action.set(buffers.action as Int32Array);
      memory.reward.set(buffers.reward as Float32Array);
      memory.next.set(buffers.next as Int32Array);
      memory.terminal.set(buffers.terminal as Uint8Array);
    },
    dispose() {
      q.dispose();
      environment.close?.();
    },
  };
}

function rlPlugin(crash: { at?: number } = {}) {
  return definePlugin({
    meta: { name: 'toyrl', version: '1.0.0', runtime: '*' },
    environments: {
      corridor: defineEnvironment({
        options: z.strictObject({ length: z.number().int().min(2).default(6), maxSteps: z.number().int().positive().default(20) }),
        create: (options) => createCorridor(options.length, options.maxSteps),
      }),
    },
    steps: {
      'q-learning': defineStep({
        options: z.strictObject({ environment: componentSpec, epochs: z.number().int().default(4), stepsPerEpoch: z.number().int().default(25) }),
        produces: () => ({}),
        async run(options, context) {
          const environment = context.createEnvironment(options.environment) as Environment<Float32Array, number>;
          const agent = createAgent(environment, { ...options, seed: context.rng.seed() }, crash);
          try {
            const fit = await context.fit(agent);
            return { metrics: fit.last };
          } finally {
            agent.dispose?.();
          }
        },
      }),
    },
  });
}

const config = {
  name: 'corridor',
  seed: 9,
  backend: 'cpu',
  steps: [{ id: 'agent', use: 'toyrl:q-learning', environment: { use: 'toyrl:corridor', length: 10 }, epochs: 4, stepsPerEpoch: 23 }],
};

describe('an agent in a plugin environment', () => {
  it('needs no data section, validates the environment options, and averages episode metrics over episodes', async () => {
    await expect(prepareConfig({ config, directory }, { plugins: [rlPlugin()] })).resolves.toBeDefined();
    const typo = { ...config, steps: [{ ...config.steps[0], environment: { use: 'toyrl:corridor', lenght: 6 } }] };
    await expect(prepareConfig({ config: typo, directory }, { plugins: [rlPlugin()] })).rejects.toThrow(/steps\[0\]\.environment\.lenght: unknown option "lenght"\. Did you mean "length"\?/);

    const before = tf.memory().numTensors;
    const summary = await runPipeline({ config, directory }, { plugins: [rlPlugin()] });
    expect(tf.memory().numTensors).toBe(before);
    const epochs = readFileSync(path.join(summary.runDirectory, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.type === 'epoch');
    expect(epochs).toHaveLength(4);
    // Episodes end on some steps only: the mean episode length is a mean over episodes (≥ 1), not over the 23 steps.
    for (const epoch of epochs) {
      expect(epoch.episode_length).toBeGreaterThanOrEqual(1);
      expect(epoch.episode_return).toBeGreaterThanOrEqual(0);
      expect(epoch.episode_return).toBeLessThanOrEqual(1);
    }
    // Some episodes reach the goal (return 1), others are truncated (return 0): the means lie between.
    expect(Math.max(...epochs.map((epoch) => epoch.episode_return))).toBeGreaterThan(0);
  });

  it('resumes a run killed mid-episode, replay memory and environment included, to the same numbers', async () => {
    const uninterrupted = await runPipeline({ config, directory }, { plugins: [rlPlugin()] });
    const runDirectory = path.join(directory, 'killed');
    // Killed in the third epoch: the last checkpoint is the end of the second, 46 steps in.
    const failed = await runPipeline({ config, directory }, { plugins: [rlPlugin({ at: 55 })], runDirectory }).catch((error: unknown) => error);
    expect((failed as Error).message).toMatch(/simulated crash/);
    const checkpoint = JSON.parse(readFileSync(path.join(runDirectory, 'steps/agent/checkpoint/state.json'), 'utf8'));
    expect(checkpoint).toMatchObject({ epoch: 2, buffers: ['state', 'action', 'reward', 'next', 'terminal'] });
    // The checkpoint falls inside an episode, so resuming must restore the environment's position, not reset it.
    expect(checkpoint.extra.episodeSteps).toBeGreaterThan(0);
    const resumed = await resumeRun(runDirectory, { plugins: [rlPlugin()] });
    expect(resumed.steps.agent.metrics).toEqual(uninterrupted.steps.agent.metrics);
    const history = (run: string) =>
      readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
        .filter((line) => line.type === 'epoch')
        .map(({ time: _time, ...rest }) => rest);
    expect(history(runDirectory).slice(-2)).toEqual(history(uninterrupted.runDirectory).slice(-2));
  });
});
