import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  artifactReference,
  componentSpec,
  defineEnvironment,
  defineStep,
  InvalidArgumentError,
  lineChartSvg,
  type ComponentSpec,
  type Metrics,
  type Model,
  type Rng,
  type StepContext,
} from '@core/runtime';
import { z } from 'zod';
import { argmax, createDeepAgent, createTabularAgent, evaluatePolicy, type TabularAgent } from './agents';
import { createCartPole, createChain, createGridMaze, createMnistMaze, generateMaze, type EbuEnvironment } from './environments';
import { prepareMazeDigits, preparedMazeDigits } from './mnist-digits';

const mazeShape = {
  rows: z.number().int().min(2).default(10),
  cols: z.number().int().min(2).default(10),
  /** Probability that a cell (other than start and goal) is a wall; mazes without a path are redrawn. */
  wallDensity: z.number().min(0).lt(1).default(0.2),
  /** Seed of the layout (the same seed gives the same maze). */
  mazeSeed: z.number().int().default(0),
  goalReward: z.number().default(1),
  wallReward: z.number().default(-0.001),
  stepReward: z.number().default(0),
  maxSteps: z.number().int().positive().default(1000),
};

/** `ebu:chain`, `ebu:grid-maze`, `ebu:mnist-maze`, `ebu:cartpole`. */
export const environmentDefinitions = {
  chain: defineEnvironment({
    description: 'Chain MDP: states 0…N−1, left/right, +1 and terminal at N−1, truncated after maxSteps (3N).',
    options: z.strictObject({
      length: z.number().int().min(2).default(10),
      maxSteps: z.number().int().positive().optional(),
      slip: z.number().min(0).max(1).default(0),
      goalReward: z.number().default(1),
      observation: z.enum(['one-hot', 'index']).default('one-hot'),
    }),
    create: (options) => createChain(options),
  }),
  'grid-maze': defineEnvironment({
    description: 'Random grid maze with sparse reward: start top-left, goal bottom-right, 4 actions.',
    options: z.strictObject({ ...mazeShape, observation: z.enum(['one-hot', 'index']).default('one-hot') }),
    create: ({ rows, cols, wallDensity, mazeSeed, ...rest }) => createGridMaze({ ...rest, layout: generateMaze({ rows, cols, wallDensity, seed: mazeSeed }) }),
  }),
  'mnist-maze': defineEnvironment({
    description: "The paper's 2D MNIST maze: the observation is two MNIST images of the agent's row and column digits (28×56), redrawn on every visit.",
    options: z.strictObject({ ...mazeShape, split: z.enum(['train', 'test']).default('train') }),
    create: ({ rows, cols, wallDensity, mazeSeed, split, ...rest }) => {
      const digits = preparedMazeDigits(split);
      if (!digits) {
        throw new InvalidArgumentError(
          'environment',
          `ebu:mnist-maze needs the MNIST digits loaded first: use it from ebu:train / ebu:evaluate (which load them), or await prepareMazeDigits('${split}') before building it in code`,
        );
      }
      return createMnistMaze({ ...rest, digits, layout: generateMaze({ rows, cols, wallDensity, seed: mazeSeed }) });
    },
  }),
  cartpole: defineEnvironment({
    description: 'Classic-control CartPole (Gymnasium CartPole-v1 dynamics), truncated after maxSteps (500).',
    options: z.strictObject({ maxSteps: z.number().int().positive().default(500) }),
    create: (options) => createCartPole(options),
  }),
};

async function prepareEnvironment(spec: ComponentSpec): Promise<void> {
  if (spec.use.endsWith(':mnist-maze')) await prepareMazeDigits(spec.split === 'test' ? 'test' : 'train');
}

const epsilonSchedule = z.strictObject({
  start: z.number().min(0).max(1).default(1),
  end: z.number().min(0).max(1).default(0.1),
  /** Environment steps of the linear decay. */
  steps: z.number().int().min(0).default(20_000),
});

/** Options of `ebu:train`. */
export const trainStepOptions = z.strictObject({
  /** The environment: `{ use: ebu:mnist-maze, ... }` or any plugin's. */
  environment: componentSpec,
  /** `dqn` (one-step uniform replay), `ebu` (episodic backward update, diffusion `beta`), `q-learning` and `tabular-ebu` (tables). */
  agent: z.enum(['dqn', 'ebu', 'adaptive-ebu', 'q-learning', 'tabular-ebu']),
  /** Diffusion factor β of `ebu`, in [0, 1]. */
  beta: z.number().min(0).max(1).default(0.5),
  /** Diffusion factors of `adaptive-ebu`'s learners (one Q-network pair each), in [0, 1]. */
  betas: z.array(z.number().min(0).max(1)).min(2).default([0.25, 0.5, 0.75, 1]),
  gamma: z.number().min(0).max(1).default(0.99),
  /** The Q-network of the deep agents (any model; outputs = actions). */
  network: componentSpec.default({ use: 'core:mlp', hidden: [256, 256] }),
  optimizer: z.strictObject({ type: z.enum(['adam', 'rmsprop']).default('adam'), learningRate: z.number().positive().default(2.5e-4) }).default({ type: 'adam', learningRate: 2.5e-4 }),
  /** Step size of the tabular agents. */
  learningRate: z.number().gt(0).max(1).default(1),
  batchSize: z.number().int().positive().default(32),
  replayCapacity: z.number().int().positive().default(50_000),
  /** Observation storage in the replay memory: `auto` is uint8 for observations in [0, 1], float32 otherwise. */
  storage: z.enum(['auto', 'float32', 'uint8']).default('auto'),
  learningStarts: z.number().int().min(0).default(1000),
  trainEvery: z.number().int().positive().default(1),
  /** Updates between copies of the online network into the target network. */
  targetUpdate: z.number().int().positive().default(1000),
  /** Updates per environment step of the tabular agents. */
  updatesPerStep: z.number().int().positive().default(1),
  epsilon: epsilonSchedule.default({ start: 1, end: 0.1, steps: 20_000 }),
  evalEpsilon: z.number().min(0).max(1).default(0),
  /** Evaluation episodes at the end of every epoch (0: none). */
  evalEpisodes: z.number().int().min(0).default(1),
  epochs: z.number().int().positive().default(10),
  /** Environment steps per epoch. */
  stepsPerEpoch: z.number().int().positive().default(1000),
  /** Seed of the agent and its environment; default: from the run seed and the step id. */
  seed: z.number().int().optional(),
});

/** The training curve an `ebu:train` step leaves as its `<id>-history` value artifact. */
export interface TrainingHistory {
  agent: string;
  stepsPerEpoch: number;
  history: Array<{ epoch: number } & Metrics>;
  /** The step's final metrics (`updates_to_optimal` when the greedy policy became optimal). */
  metrics?: Metrics;
}

const isTabular = (agent: string) => agent === 'q-learning' || agent === 'tabular-ebu';

function curveMetric(history: TrainingHistory['history']): string {
  const keys = ['val_relative_length', 'val_return', 'episode_return'];
  return keys.find((key) => history.some((entry) => key in entry)) ?? 'episode_return';
}

async function writeCurve(file: string, title: string, histories: Array<{ label: string; history: TrainingHistory }>): Promise<void> {
  const metric = curveMetric(histories[0].history.history);
  const svg = lineChartSvg({
    title,
    xLabel: 'environment steps',
    yLabel: metric,
    series: histories.map(({ label, history }) => ({
      label,
      points: history.history.filter((entry) => metric in entry).map((entry) => [(entry.epoch + 1) * history.stepsPerEpoch, entry[metric]] as const),
    })),
  });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, svg);
}

/** `ebu:train`: trains a tabular or deep agent in an environment. */
export const trainStep = defineStep({
  description: 'Train tabular Q-learning / tabular EBU or deep DQN / EBU in an environment; resumable (replay memory, environment, ε schedule, networks).',
  options: trainStepOptions,
  needsData: false,
  produces: (options, id) => ({ [id]: isTabular(options.agent) ? 'value' : 'model', [`${id}-history`]: 'value' }),
  async run(options, context) {
    await prepareEnvironment(options.environment);
    const seed = options.seed ?? context.rng.seed();
    const environment = context.createEnvironment(options.environment) as EbuEnvironment<unknown>;
    const evaluation = options.evalEpisodes > 0 ? (context.createEnvironment(options.environment) as EbuEnvironment<unknown>) : undefined;
    const common = { name: context.id, gamma: options.gamma, epochs: options.epochs, stepsPerEpoch: options.stepsPerEpoch, seed, epsilon: options.epsilon, evalEpisodes: options.evalEpisodes };
    let result: { artifact: { kind: 'model'; model: Model } | { kind: 'value'; value: unknown }; metrics: Metrics };
    if (isTabular(options.agent)) {
      const agent: TabularAgent = createTabularAgent(environment, evaluation, {
        ...common,
        method: options.agent === 'q-learning' ? 'q-learning' : 'ebu',
        learningRate: options.learningRate,
        replayCapacity: options.replayCapacity,
        updatesPerStep: options.updatesPerStep,
      });
      try {
        const fit = await context.fit(agent, { divergence: false });
        const metrics: Metrics = { ...fit.last, seconds: fit.seconds };
        if (agent.updatesToOptimal !== undefined) metrics.updates_to_optimal = agent.updatesToOptimal;
        if (agent.firstGoalStep !== undefined) metrics.first_goal_step = agent.firstGoalStep;
        result = { artifact: { kind: 'value', value: { q: agent.q.map((row) => [...row]) } }, metrics };
        await finish(context, options.agent, fit.history, options.stepsPerEpoch);
        return { artifacts: { [context.id]: result.artifact, [`${context.id}-history`]: { kind: 'value', value: { ...history(options.agent, fit.history, options.stepsPerEpoch), metrics } } }, metrics };
      } finally {
        agent.dispose?.();
      }
    }
    const space = environment.observationSpace;
    if (space.kind !== 'box') throw new InvalidArgumentError('environment', `${options.agent} needs a box observation space; for the chain and grid maze use observation: one-hot`);
    const actions = environment.actionSpace.kind === 'discrete' ? environment.actionSpace.n : 0;
    const shape = { inputShape: space.shape, numClasses: actions };
    const learnerCount = options.agent === 'adaptive-ebu' ? options.betas.length : 1;
    const pairs = Array.from({ length: learnerCount }, (_, index) => {
      const suffix = learnerCount === 1 ? '' : `-${index}`;
      return {
        online: context.createModel(options.network as { use: string }, { ...shape, name: `${context.id}${suffix}` }),
        target: context.createModel(options.network as { use: string }, { ...shape, name: `${context.id}${suffix}-target` }),
      };
    });
    const low = typeof space.low === 'number' ? [space.low] : space.low;
    const high = typeof space.high === 'number' ? [space.high] : space.high;
    const unit = low.every((value) => value === 0) && high.every((value) => value === 1);
    const agent = createDeepAgent(environment, evaluation, pairs, {
      ...common,
      method: options.agent,
      beta: options.beta,
      betas: options.betas,
      batchSize: options.batchSize,
      optimizer: options.optimizer,
      replayCapacity: options.replayCapacity,
      storage: options.storage === 'auto' ? (unit ? 'uint8' : 'float32') : options.storage,
      learningStarts: options.learningStarts,
      trainEvery: options.trainEvery,
      targetUpdate: options.targetUpdate,
      evalEpsilon: options.evalEpsilon,
    });
    try {
      const fit = await context.fit(agent);
      await finish(context, options.agent, fit.history, options.stepsPerEpoch);
      // The best learner's online network is the result; the rest is released.
      const online = agent.online;
      for (const pair of pairs) {
        if (pair.online !== online) pair.online.dispose();
        pair.target.dispose();
      }
      const metrics: Metrics = { ...fit.last, seconds: fit.seconds, params: online.countParams() };
      if (agent.firstGoalStep !== undefined) metrics.first_goal_step = agent.firstGoalStep;
      if (options.agent === 'adaptive-ebu') metrics.best_beta = options.betas[agent.bestLearner];
      return {
        artifacts: { [context.id]: { kind: 'model', model: online }, [`${context.id}-history`]: { kind: 'value', value: { ...history(options.agent, fit.history, options.stepsPerEpoch), metrics } } },
        metrics,
      };
    } catch (error) {
      for (const pair of pairs) {
        pair.online.dispose();
        pair.target.dispose();
      }
      throw error;
    } finally {
      agent.dispose?.();
    }
  },
});

function history(agent: string, entries: TrainingHistory['history'], stepsPerEpoch: number): TrainingHistory {
  return { agent, stepsPerEpoch, history: entries };
}

async function finish(context: StepContext, agent: string, entries: TrainingHistory['history'], stepsPerEpoch: number): Promise<void> {
  const file = path.join(context.runDirectory, 'figures', `${context.id}-learning-curve.svg`);
  await writeCurve(file, `${context.id} (${agent})`, [{ label: agent, history: history(agent, entries, stepsPerEpoch) }]);
  context.logger.info(`learning curve: ${file}`);
}

/** Options of `ebu:evaluate`. */
export const evaluateStepOptions = z.strictObject({
  /** Agents of earlier `ebu:train` steps: their Q-network (model) or Q-table (value) artifacts. */
  agents: z.array(artifactReference(['model', 'value'])).min(1),
  /** The environment to evaluate in; default: each agent is evaluated in the environment given here (required). */
  environment: componentSpec.optional(),
  /** Per agent, its own environment (e.g. the maze it was trained on), by agent name; overrides `environment`. */
  environments: z.record(z.string(), componentSpec).default({}),
  episodes: z.number().int().positive().default(5),
  epsilon: z.number().min(0).max(1).default(0),
  seed: z.number().int().default(0),
  /** Groups of agents (e.g. one method over mazes and seeds) whose metrics are summarised as mean and std. */
  groups: z.record(z.string(), z.array(z.string()).min(1)).default({}),
  /**
   * Final training metrics of the members (from their `<id>-history` artifacts) also summarised per
   * group as `<group>_train_<metric>_mean/_std` over the members that report it, with `<group>_train_<metric>_count`.
   */
  trainingMetrics: z.array(z.string()).default(['updates_to_optimal', 'first_goal_step']),
});

function modelArtifact(context: StepContext, name: string): Model | undefined {
  try {
    return context.artifacts.get(name, 'model').model;
  } catch {
    return undefined;
  }
}

function meanStd(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** `ebu:evaluate`: greedy (or ε-greedy) episodes of trained agents; mean ± std over groups; learning curves of the groups. */
export const evaluateStep = defineStep({
  description: 'Evaluate trained agents (return, success, relative path length) and summarise groups of agents (mean ± std) with their learning curves.',
  options: evaluateStepOptions,
  needsData: false,
  produces: () => ({}),
  async run(options, context) {
    const metrics: Metrics = {};
    const perAgent = new Map<string, Metrics>();
    for (const name of options.agents) {
      const spec = options.environments[name] ?? options.environment;
      if (!spec) throw new InvalidArgumentError('environment', `ebu:evaluate: no environment for agent "${name}": give environment, or environments.${name}`);
      await prepareEnvironment(spec);
      const environment = context.createEnvironment(spec) as EbuEnvironment<unknown>;
      try {
        let act: (observation: unknown, rng: Rng) => number;
        const model = modelArtifact(context, name);
        if (model) {
          act = (observation, rng) => {
            const values = context.tf.tidy(() => model.apply(context.tf.tensor(Array.from(observation as ArrayLike<number>), [1, ...model.inputShape]), { training: false }).dataSync());
            return argmax(values, rng);
          };
        } else {
          const { q } = (context.artifacts.get(name, 'value').value ?? {}) as { q?: number[][] };
          if (!q) throw new InvalidArgumentError('agents', `ebu:evaluate: "${name}" is neither a Q-network nor a Q-table of ebu:train`);
          act = (observation, rng) => argmax(q[typeof observation === 'number' ? observation : environment.stateIndex!()], rng);
        }
        const result = evaluatePolicy(environment, act, { episodes: options.episodes, seed: options.seed, epsilon: options.epsilon });
        perAgent.set(name, result);
        for (const [key, value] of Object.entries(result)) metrics[`${name}_${key}`] = value;
        context.logger.info(`${name}: ${Object.entries(result).map(([key, value]) => `${key} ${value.toFixed(3)}`).join(', ')}`);
      } finally {
        environment.close?.();
      }
    }
    const curves: Array<{ label: string; history: TrainingHistory }> = [];
    for (const [group, members] of Object.entries(options.groups)) {
      for (const member of members) {
        if (!perAgent.has(member)) throw new InvalidArgumentError('groups', `ebu:evaluate: group "${group}" lists "${member}", which is not among agents`);
      }
      const keys = Object.keys(perAgent.get(members[0])!);
      for (const key of keys) {
        const { mean, std } = meanStd(members.map((member) => perAgent.get(member)![key]));
        metrics[`${group}_${key}_mean`] = mean;
        metrics[`${group}_${key}_std`] = std;
      }
      context.logger.info(`${group} (${members.length} agents): ${keys.map((key) => `${key} ${metrics[`${group}_${key}_mean`].toFixed(3)} ± ${metrics[`${group}_${key}_std`].toFixed(3)}`).join(', ')}`);
      // The group's mean learning curve, from the members' training histories.
      const histories = members.map((member) => (context.artifacts.has(`${member}-history`) ? (context.artifacts.get(`${member}-history`, 'value').value as TrainingHistory) : undefined));
      for (const key of options.trainingMetrics) {
        const values = histories.map((entry) => entry?.metrics?.[key]).filter((value): value is number => value !== undefined);
        metrics[`${group}_train_${key}_count`] = values.length;
        if (values.length === 0) continue;
        const { mean, std } = meanStd(values);
        metrics[`${group}_train_${key}_mean`] = mean;
        metrics[`${group}_train_${key}_std`] = std;
        context.logger.info(`${group}: training ${key} ${mean.toFixed(1)} ± ${std.toFixed(1)} (${values.length} of ${members.length} agents)`);
      }
      if (histories.every((entry) => entry !== undefined)) {
        const first = histories[0]!;
        const metric = curveMetric(first.history);
        const epochs = Math.min(...histories.map((entry) => entry!.history.length));
        curves.push({
          label: group,
          history: {
            agent: group,
            stepsPerEpoch: first.stepsPerEpoch,
            history: Array.from({ length: epochs }, (_, epoch) => ({ epoch, [metric]: meanStd(histories.map((entry) => entry!.history[epoch][metric] ?? Number.NaN)).mean })),
          },
        });
      }
    }
    if (curves.length > 0) {
      const file = path.join(context.runDirectory, 'figures', `${context.id}-learning-curves.svg`);
      await writeCurve(file, 'mean over each group', curves);
      context.logger.info(`learning curves: ${file}`);
    }
    return { metrics };
  },
});
