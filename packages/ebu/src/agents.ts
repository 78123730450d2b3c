import * as tf from '@tensorflow/tfjs';
import {
  createAdam,
  createRng,
  getTrainingState,
  InvalidArgumentError,
  setTrainingState,
  type Metrics,
  type Model,
  type Optimizer,
  type Rng,
  type RngState,
  type Trainer,
  type TrainerBuffers,
} from '@core/runtime';
import type { EbuEnvironment } from './environments';
import { createEpisodicReplay, type EpisodicReplay, type ObservationStorage, type ReplayCursor } from './replay';
import { createRmsProp } from './rmsprop';
import { episodicBackwardTargets, oneStepTargets, tabularQStep } from './targets';

/** A linear ε-greedy schedule: `start` → `end` over `steps` environment steps, then `end`. */
export interface EpsilonSchedule {
  start: number;
  end: number;
  steps: number;
}

/** ε after `step` environment steps. */
export function epsilonAt(schedule: EpsilonSchedule, step: number): number {
  if (schedule.steps <= 0) return schedule.end;
  const fraction = Math.min(1, step / schedule.steps);
  return schedule.start + (schedule.end - schedule.start) * fraction;
}

/** Index of the largest value; ties broken uniformly with `rng` (or the first, without it). */
export function argmax(values: ArrayLike<number>, rng?: Rng): number {
  let best = -Infinity;
  let chosen = 0;
  let ties = 0;
  for (let index = 0; index < values.length; index += 1) {
    const value = values[index];
    if (value > best) {
      best = value;
      chosen = index;
      ties = 1;
    } else if (value === best && rng) {
      ties += 1;
      if (rng.int(ties) === 0) chosen = index;
    }
  }
  return chosen;
}

/** Whether the greedy policy of `q` picks an optimal action in every state that has optimal actions (ties count as not optimal). */
export function greedyIsOptimal(q: ReadonlyArray<ArrayLike<number>>, optimal: readonly number[][]): boolean {
  for (let state = 0; state < optimal.length; state += 1) {
    const good = optimal[state];
    if (good.length === 0) continue;
    let bestGood = -Infinity;
    let bestOther = -Infinity;
    for (let action = 0; action < q[state].length; action += 1) {
      if (good.includes(action)) bestGood = Math.max(bestGood, q[state][action]);
      else bestOther = Math.max(bestOther, q[state][action]);
    }
    if (!(bestGood > bestOther)) return false;
  }
  return true;
}

function actionCount(environment: EbuEnvironment<unknown>): number {
  if (environment.actionSpace.kind !== 'discrete') throw new InvalidArgumentError('environment', 'Q-learning needs a discrete action space');
  return environment.actionSpace.n;
}

/** Greedy evaluation episodes of a policy; relative length = steps to the goal (or the cap) / shortest path. */
export function evaluatePolicy(
  environment: EbuEnvironment<unknown>,
  act: (observation: unknown, rng: Rng) => number,
  options: { episodes: number; seed: number; epsilon?: number },
): Metrics {
  const rng = createRng(options.seed);
  const actions = actionCount(environment);
  let totalReturn = 0;
  let totalLength = 0;
  let successes = 0;
  let relative = 0;
  let { observation } = environment.reset({ seed: options.seed });
  for (let episode = 0; episode < options.episodes; episode += 1) {
    if (episode > 0) observation = environment.reset().observation;
    let episodeReturn = 0;
    let length = 0;
    for (;;) {
      const action = options.epsilon && rng.next() < options.epsilon ? rng.int(actions) : act(observation, rng);
      const result = environment.step(action);
      episodeReturn += result.reward;
      length += 1;
      observation = result.observation;
      if (result.terminated || result.truncated) {
        if (result.terminated) successes += 1;
        break;
      }
    }
    totalReturn += episodeReturn;
    totalLength += length;
    if (environment.shortestPath) relative += length / environment.shortestPath;
  }
  const metrics: Metrics = { return: totalReturn / options.episodes, length: totalLength / options.episodes, success: successes / options.episodes };
  if (environment.shortestPath) metrics.relative_length = relative / options.episodes;
  return metrics;
}

// ---------------------------------------------------------------------------
// Tabular agents
// ---------------------------------------------------------------------------

/** Options of {@link createTabularAgent}. */
export interface TabularAgentOptions {
  name: string;
  /** `q-learning`: one-step updates on uniformly sampled transitions; `ebu`: backward sweeps of uniformly sampled episodes. */
  method: 'q-learning' | 'ebu';
  learningRate: number;
  gamma: number;
  epsilon: EpsilonSchedule;
  replayCapacity: number;
  /** Updates (transitions processed) per environment step. */
  updatesPerStep: number;
  epochs: number;
  stepsPerEpoch: number;
  seed: number;
  evalEpisodes: number;
}

/** A tabular agent as a trainer, and its Q-table. */
export interface TabularAgent extends Trainer {
  /** The live table `[states][actions]`. */
  readonly q: number[][];
  /** Updates done when the greedy policy first became optimal (undefined: not yet, or the environment does not say). */
  readonly updatesToOptimal: number | undefined;
  /** Environment step at which the goal was first reached (a terminated episode). */
  readonly firstGoalStep: number | undefined;
}

function stateOf(environment: EbuEnvironment<unknown>, observation: unknown): number {
  if (typeof observation === 'number') return observation;
  if (environment.stateIndex) return environment.stateIndex();
  throw new InvalidArgumentError('environment', 'a tabular agent needs a discrete observation space (e.g. observation: index) or an environment with stateIndex()');
}

/**
 * Tabular Q-learning or tabular EBU on an environment with discrete states. Each environment step
 * stores the transition and then does `updatesPerStep` updates. Behaviour and update sampling use
 * separate generators, so with a Q-independent behaviour (ε = 1) both methods see identical replay contents.
 */
export function createTabularAgent(environment: EbuEnvironment<unknown>, evaluationEnvironment: EbuEnvironment<unknown> | undefined, options: TabularAgentOptions): TabularAgent {
  const states = environment.stateCount ?? (environment.observationSpace.kind === 'discrete' ? environment.observationSpace.n : undefined);
  if (states === undefined) throw new InvalidArgumentError('environment', 'a tabular agent needs an environment with a discrete number of states (chain, grid-maze)');
  const actions = actionCount(environment);
  const q = Array.from({ length: states }, () => new Array<number>(actions).fill(0));
  const optimal = environment.optimalActions?.();
  const replay = createEpisodicReplay({ capacity: options.replayCapacity, observationSize: 1 });
  const behaviourRng = createRng(options.seed);
  const updateRng = createRng(options.seed + 7919);
  const update = { learningRate: options.learningRate, gamma: options.gamma };
  let { observation } = environment.reset({ seed: options.seed });
  let state = stateOf(environment, observation);
  let steps = 0;
  let updates = 0;
  let updatesToOptimal: number | undefined;
  let firstGoal: number | undefined;
  let pending: number[] = [];
  let episodeReturn = 0;
  let episodeLength = 0;

  const updateOnce = (): boolean => {
    let slot: number;
    if (options.method === 'q-learning') {
      slot = replay.sampleTransitions(updateRng, 1)[0];
    } else {
      if (pending.length === 0) {
        const episode = replay.sampleEpisode(updateRng);
        if (!episode) return false;
        pending = Array.from(replay.backward(episode));
      }
      slot = pending.shift()!;
    }
    const [s] = replay.observations([slot]);
    const [next] = replay.observations([slot], true);
    tabularQStep(q, s, replay.action(slot), replay.reward(slot), next, replay.terminated(slot), update);
    updates += 1;
    if (updatesToOptimal === undefined && optimal && greedyIsOptimal(q, optimal)) updatesToOptimal = updates;
    return true;
  };

  const agent: TabularAgent = {
    name: options.name,
    epochs: options.epochs,
    q,
    get updatesToOptimal() {
      return updatesToOptimal;
    },
    get firstGoalStep() {
      return firstGoal;
    },
    batchesPerEpoch: () => options.stepsPerEpoch,
    trainBatch() {
      const epsilon = epsilonAt(options.epsilon, steps);
      const action = behaviourRng.next() < epsilon ? behaviourRng.int(actions) : argmax(q[state], behaviourRng);
      const result = environment.step(action);
      const nextState = stateOf(environment, result.observation);
      replay.add({ observation: [state], action, reward: result.reward, nextObservation: [nextState], terminated: result.terminated, truncated: result.truncated });
      steps += 1;
      if (result.terminated && firstGoal === undefined) firstGoal = steps;
      episodeReturn += result.reward;
      episodeLength += 1;
      for (let index = 0; index < options.updatesPerStep; index += 1) if (!updateOnce()) break;
      const metrics: Metrics = { epsilon, updates, greedy_optimal: optimal ? (greedyIsOptimal(q, optimal) ? 1 : 0) : 0 };
      if (result.terminated || result.truncated) {
        metrics.episode_return = episodeReturn;
        metrics.episode_length = episodeLength;
        metrics.episode_success = result.terminated ? 1 : 0;
        episodeReturn = 0;
        episodeLength = 0;
        observation = environment.reset().observation;
      } else {
        observation = result.observation;
      }
      state = stateOf(environment, observation);
      return metrics;
    },
    evaluate() {
      const metrics: Metrics = { start_value: Math.max(...q[0]) };
      if (updatesToOptimal !== undefined) metrics.updates_to_optimal = updatesToOptimal;
      if (firstGoal !== undefined) metrics.first_goal_step = firstGoal;
      if (evaluationEnvironment) {
        Object.assign(metrics, evaluatePolicy(evaluationEnvironment, (seen, rng) => argmax(q[stateOf(evaluationEnvironment, seen)], rng), { episodes: options.evalEpisodes, seed: options.seed + 104_729 }));
      }
      return metrics;
    },
    // The table lives in the buffers (float64, exact); no tensors.
    getState: () => ({}),
    setState: () => {},
    getExtraState: () => ({
      environment: environment.getState?.(),
      steps,
      updates,
      updatesToOptimal: updatesToOptimal ?? null,
      firstGoal: firstGoal ?? null,
      pending,
      episodeReturn,
      episodeLength,
      replay: replay.getCursor(),
      behaviourRng: behaviourRng.getState(),
      updateRng: updateRng.getState(),
    }),
    setExtraState(extra) {
      const saved = extra as {
        environment: unknown;
        steps: number;
        updates: number;
        updatesToOptimal: number | null;
        firstGoal: number | null;
        pending: number[];
        episodeReturn: number;
        episodeLength: number;
        replay: ReplayCursor;
        behaviourRng: RngState;
        updateRng: RngState;
      };
      environment.setState?.(saved.environment);
      ({ steps, updates, pending, episodeReturn, episodeLength } = saved);
      updatesToOptimal = saved.updatesToOptimal ?? undefined;
      firstGoal = saved.firstGoal ?? undefined;
      replay.setCursor(saved.replay);
      behaviourRng.setState(saved.behaviourRng);
      updateRng.setState(saved.updateRng);
      state = environment.stateIndex ? environment.stateIndex() : state;
    },
    getBuffers: (): TrainerBuffers => ({ ...replay.getBuffers(), q: Float64Array.from(q.flat()) }),
    setBuffers(buffers) {
      const { q: table, ...memory } = buffers;
      replay.setBuffers(memory);
      for (let s = 0; s < states; s += 1) for (let a = 0; a < actions; a += 1) q[s][a] = table[s * actions + a];
    },
    dispose() {
      environment.close?.();
      evaluationEnvironment?.close?.();
    },
  };
  return agent;
}

// ---------------------------------------------------------------------------
// Deep agents
// ---------------------------------------------------------------------------

/** Options of {@link createDeepAgent}. */
export interface DeepAgentOptions {
  name: string;
  /**
   * `dqn`: one-step targets on uniformly sampled transitions; `ebu`: episodic backward targets with
   * diffusion `beta`; `adaptive-ebu`: one learner per entry of `betas`, trained on the same episodes.
   */
  method: 'dqn' | 'ebu' | 'adaptive-ebu';
  beta: number;
  /** Diffusion factors of the adaptive variant's learners (one network pair per entry). */
  betas?: readonly number[];
  gamma: number;
  batchSize: number;
  optimizer: { type: 'adam' | 'rmsprop'; learningRate: number };
  replayCapacity: number;
  storage: ObservationStorage;
  /** Environment steps before the first update. */
  learningStarts: number;
  /** One update every this many environment steps. */
  trainEvery: number;
  /** Copy the online network into the target network every this many updates (adaptive: also synchronise the learners to the best). */
  targetUpdate: number;
  epsilon: EpsilonSchedule;
  evalEpsilon: number;
  evalEpisodes: number;
  epochs: number;
  stepsPerEpoch: number;
  seed: number;
}

/** An online and a target network built from the same spec. */
export interface NetworkPair {
  online: Model;
  target: Model;
}

/** A deep Q-learning agent as a trainer. */
export interface DeepAgent extends Trainer {
  /** The online network of the learner that acts best (the only one, unless adaptive). */
  readonly online: Model;
  readonly target: Model;
  /** Index of that learner and its β (adaptive EBU chooses it at every synchronisation). */
  readonly bestLearner: number;
  /** Environment step at which the goal was first reached (a terminated episode). */
  readonly firstGoalStep: number | undefined;
}

function huber(diff: tf.Tensor): tf.Tensor {
  // 0.5·d² for |d| ≤ 1, |d| − 0.5 beyond: 0.5·min(|d|, 1)² + (|d| − min(|d|, 1)).
  const absolute = tf.abs(diff);
  const quadratic = tf.minimum(absolute, 1);
  return tf.add(tf.mul(0.5, tf.square(quadratic)), tf.sub(absolute, quadratic));
}

interface Learner extends NetworkPair {
  beta: number;
  optimizer: Optimizer;
}

/**
 * DQN (Mnih et al. 2015: online and target networks, ε-greedy, Huber loss) with one-step uniform
 * replay, or EBU (Lee et al. 2019): sample an episode uniformly, compute its targets once with the
 * target network by {@link episodicBackwardTargets}, then train one minibatch of consecutive
 * transitions per update starting from the episode's end.
 *
 * Adaptive EBU (the paper's Section 4.3, as read here): one learner per β in `betas`, all trained on
 * the same sampled episodes with their own β; the actor follows the learners in turn, one episode
 * each; at every target update all learners are synchronised to the one whose episodes since the
 * last synchronisation had the highest mean return.
 *
 * Each pair's online and target networks must be built from the same spec; targets start as copies.
 */
export function createDeepAgent(
  environment: EbuEnvironment<unknown>,
  evaluationEnvironment: EbuEnvironment<unknown> | undefined,
  networks: NetworkPair | readonly NetworkPair[],
  options: DeepAgentOptions,
): DeepAgent {
  const pairs = Array.isArray(networks) ? (networks as readonly NetworkPair[]) : [networks as NetworkPair];
  const space = environment.observationSpace;
  if (space.kind !== 'box') throw new InvalidArgumentError('environment', 'a deep agent needs a box observation space (e.g. observation: one-hot for the chain and grid maze)');
  const observationShape = [...space.shape];
  const observationSize = observationShape.reduce((product, size) => product * size, 1);
  const actions = actionCount(environment);
  const betas = options.method === 'adaptive-ebu' ? [...(options.betas ?? [])] : [options.beta];
  if (options.method === 'adaptive-ebu' && betas.length < 2) throw new InvalidArgumentError('betas', 'adaptive-ebu needs at least two diffusion factors in betas');
  if (pairs.length !== betas.length) throw new InvalidArgumentError('networks', `${betas.length} learners need ${betas.length} network pairs, got ${pairs.length}`);
  for (const beta of betas) if (!(beta >= 0 && beta <= 1)) throw new InvalidArgumentError('beta', `beta must be in [0, 1], got ${beta}`);
  const learners: Learner[] = pairs.map((pair, index) => {
    if (pair.online.outputShape[pair.online.outputShape.length - 1] !== actions) {
      throw new InvalidArgumentError('network', `the Q-network has ${pair.online.outputShape.join('×')} outputs, but the environment has ${actions} actions`);
    }
    pair.target.setWeights(pair.online.getWeights());
    // Every learner starts from the first one's weights (they differ only in β).
    if (index > 0) {
      pair.online.setWeights(pairs[0].online.getWeights());
      pair.target.setWeights(pairs[0].online.getWeights());
    }
    const optimizer = options.optimizer.type === 'adam' ? createAdam({ learningRate: options.optimizer.learningRate }) : createRmsProp({ learningRate: options.optimizer.learningRate });
    return { ...pair, beta: betas[index], optimizer };
  });
  const replay: EpisodicReplay = createEpisodicReplay({ capacity: options.replayCapacity, observationSize, storage: options.storage });
  const behaviourRng = createRng(options.seed);
  const updateRng = createRng(options.seed + 7919);
  let observation = Float32Array.from(environment.reset({ seed: options.seed }).observation as ArrayLike<number>);
  let steps = 0;
  let updates = 0;
  let episodes = 0;
  let episodeReturn = 0;
  let episodeLength = 0;
  let best = 0;
  // Returns of each learner's episodes since the last synchronisation (adaptive).
  let recent: number[][] = learners.map(() => []);
  // EBU: the sampled episode's slots and (per learner) targets in backward order, and how far its minibatches got.
  let pending: { slots: number[]; targets: number[][]; position: number } = { slots: [], targets: [], position: 0 };
  let firstGoal: number | undefined;

  const qValues = (model: Model, inputs: Float32Array, count: number): Float32Array =>
    tf.tidy(() => model.apply(tf.tensor(inputs, [count, ...observationShape]), { training: false }).dataSync() as Float32Array);

  const actor = () => learners[options.method === 'adaptive-ebu' ? episodes % learners.length : 0];
  const act = (model: Model, seen: Float32Array, rng: Rng) => argmax(qValues(model, seen, 1), rng);

  const nextQRows = (model: Model, slots: ArrayLike<number>): number[][] => {
    const rows: number[][] = [];
    for (let start = 0; start < slots.length; start += 256) {
      const chunk = Array.from(slots).slice(start, start + 256);
      const values = qValues(model, replay.observations(chunk, true), chunk.length);
      for (let index = 0; index < chunk.length; index += 1) rows.push(Array.from(values.subarray(index * actions, (index + 1) * actions)));
    }
    return rows;
  };

  const nextBatch = (): { slots: number[]; targets: Float32Array[] } | undefined => {
    if (options.method === 'dqn') {
      const slots = Array.from(replay.sampleTransitions(updateRng, options.batchSize));
      const rewards = slots.map((slot) => replay.reward(slot));
      const terminals = slots.map((slot) => replay.terminated(slot));
      return { slots, targets: learners.map((learner) => oneStepTargets({ nextQ: nextQRows(learner.target, slots), rewards, terminals }, { gamma: options.gamma })) };
    }
    if (pending.position >= pending.slots.length) {
      const episode = replay.sampleEpisode(updateRng);
      if (!episode) return undefined;
      const slots = Array.from(episode.slots);
      const shared = { actions: slots.map((slot) => replay.action(slot)), rewards: slots.map((slot) => replay.reward(slot)), terminals: slots.map((slot) => replay.terminated(slot)) };
      const targets = learners.map((learner) => Array.from(episodicBackwardTargets({ ...shared, nextQ: nextQRows(learner.target, slots) }, { beta: learner.beta, gamma: options.gamma }).targets).reverse());
      // Stored backwards: minibatches start at the episode's end.
      pending = { slots: slots.reverse(), targets, position: 0 };
    }
    const end = Math.min(pending.slots.length, pending.position + options.batchSize);
    const batch = { slots: pending.slots.slice(pending.position, end), targets: pending.targets.map((targets) => Float32Array.from(targets.slice(pending.position, end))) };
    pending.position = end;
    return batch;
  };

  const train = (learner: Learner, slots: number[], values: Float32Array): number => {
    const count = slots.length;
    const inputs = tf.tensor(replay.observations(slots), [count, ...observationShape]);
    const chosen = tf.tidy(() => tf.oneHot(tf.tensor1d(slots.map((slot) => replay.action(slot)), 'int32'), actions).toFloat());
    const targets = tf.tensor1d(values);
    try {
      const loss = learner.optimizer.minimize(
        () =>
          tf.tidy(() => {
            const q = learner.online.apply(inputs, { training: true });
            const taken = tf.sum(tf.mul(q, chosen), 1);
            return tf.mean(huber(tf.sub(taken, targets))) as tf.Scalar;
          }),
        learner.online.trainableVariables(),
      );
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    } finally {
      tf.dispose([inputs, chosen, targets]);
    }
  };

  const synchronise = () => {
    if (options.method === 'adaptive-ebu') {
      const means = recent.map((returns) => (returns.length === 0 ? -Infinity : returns.reduce((sum, value) => sum + value, 0) / returns.length));
      if (means.some(Number.isFinite)) best = argmax(means);
      for (const learner of learners) if (learner !== learners[best]) learner.online.setWeights(learners[best].online.getWeights());
      recent = learners.map(() => []);
    }
    for (const learner of learners) learner.target.setWeights(learner.online.getWeights());
  };

  const stateParts = () =>
    learners.length === 1
      ? { models: { online: learners[0].online, target: learners[0].target }, optimizer: learners[0].optimizer }
      : {
          models: Object.fromEntries(learners.flatMap((learner, index) => [[`online${index}`, learner.online], [`target${index}`, learner.target]])),
          optimizers: Object.fromEntries(learners.map((learner, index) => [`learner${index}`, learner.optimizer])),
        };

  const agent: DeepAgent = {
    name: options.name,
    epochs: options.epochs,
    get online() {
      return learners[best].online;
    },
    get target() {
      return learners[best].target;
    },
    get bestLearner() {
      return best;
    },
    get firstGoalStep() {
      return firstGoal;
    },
    batchesPerEpoch: () => options.stepsPerEpoch,
    trainBatch() {
      const epsilon = epsilonAt(options.epsilon, steps);
      const acting = actor();
      const action = behaviourRng.next() < epsilon ? behaviourRng.int(actions) : act(acting.online, observation, behaviourRng);
      const result = environment.step(action);
      const next = Float32Array.from(result.observation as ArrayLike<number>);
      replay.add({ observation, action, reward: result.reward, nextObservation: next, terminated: result.terminated, truncated: result.truncated });
      steps += 1;
      if (result.terminated && firstGoal === undefined) firstGoal = steps;
      episodeReturn += result.reward;
      episodeLength += 1;
      const metrics: Metrics = { epsilon };
      if (steps >= options.learningStarts && steps % options.trainEvery === 0) {
        const batch = nextBatch();
        if (batch) {
          const losses = learners.map((learner, index) => train(learner, batch.slots, batch.targets[index]));
          metrics.loss = losses[best];
          updates += 1;
          if (updates % options.targetUpdate === 0) synchronise();
        }
      }
      if (options.method === 'adaptive-ebu') metrics.beta = learners[best].beta;
      if (result.terminated || result.truncated) {
        metrics.episode_return = episodeReturn;
        metrics.episode_length = episodeLength;
        metrics.episode_success = result.terminated ? 1 : 0;
        recent[learners.indexOf(acting)].push(episodeReturn);
        episodes += 1;
        episodeReturn = 0;
        episodeLength = 0;
        observation = Float32Array.from(environment.reset().observation as ArrayLike<number>);
      } else {
        observation = next;
      }
      return metrics;
    },
    evaluate() {
      if (!evaluationEnvironment) return {};
      const model = learners[best].online;
      return evaluatePolicy(evaluationEnvironment, (seen, rng) => act(model, Float32Array.from(seen as ArrayLike<number>), rng), {
        episodes: options.evalEpisodes,
        seed: options.seed + 104_729,
        epsilon: options.evalEpsilon,
      });
    },
    getState: () => getTrainingState(stateParts()),
    setState: (state) => setTrainingState(stateParts(), state),
    getExtraState: () => ({
      environment: environment.getState?.(),
      observation: Array.from(observation),
      steps,
      updates,
      episodes,
      episodeReturn,
      episodeLength,
      best,
      recent,
      pending,
      firstGoal: firstGoal ?? null,
      replay: replay.getCursor(),
      behaviourRng: behaviourRng.getState(),
      updateRng: updateRng.getState(),
    }),
    setExtraState(extra) {
      const saved = extra as {
        environment: unknown;
        observation: number[];
        steps: number;
        updates: number;
        episodes: number;
        episodeReturn: number;
        episodeLength: number;
        best: number;
        recent: number[][];
        pending: typeof pending;
        firstGoal: number | null;
        replay: ReplayCursor;
        behaviourRng: RngState;
        updateRng: RngState;
      };
      environment.setState?.(saved.environment);
      observation = Float32Array.from(saved.observation);
      ({ steps, updates, episodes, episodeReturn, episodeLength, best, recent, pending } = saved);
      firstGoal = saved.firstGoal ?? undefined;
      replay.setCursor(saved.replay);
      behaviourRng.setState(saved.behaviourRng);
      updateRng.setState(saved.updateRng);
    },
    getBuffers: () => replay.getBuffers(),
    setBuffers: (buffers) => replay.setBuffers(buffers),
    dispose() {
      for (const learner of learners) learner.optimizer.dispose();
      environment.close?.();
      evaluationEnvironment?.close?.();
    },
  };
  return agent;
}
