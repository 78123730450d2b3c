import { InvalidArgumentError } from '@core/runtime';

/** One or several episodes, back to back in temporal order, as {@link episodicBackwardTargets} reads them. */
export interface BackwardEpisode {
  /** `[T][A]`: the target network's Q-values of each transition's next state. */
  nextQ: ReadonlyArray<ArrayLike<number>>;
  /** Action taken in each transition (`T` values in `[0, A)`). */
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
  /** The transition reached a terminal state: nothing to bootstrap from, and an episode boundary. */
  terminals: ArrayLike<boolean | number>;
  /**
   * Optional episode ends besides terminals (a truncated episode followed by another one in the
   * same input): no diffusion across them, but the truncated transition still bootstraps from its
   * `nextQ` row. Default: the terminals only.
   */
  ends?: ArrayLike<boolean | number>;
}

/** Options of {@link episodicBackwardTargets}. */
export interface BackwardTargetOptions {
  /** Diffusion factor β in [0, 1]: 0 gives one-step DQN targets, 1 the pure backward update. */
  beta: number;
  /** Discount γ in [0, 1]. */
  gamma: number;
}

/** Result of {@link episodicBackwardTargets}. */
export interface BackwardTargets {
  /** `y_k` of each transition. */
  targets: Float32Array;
  /** The temporary table Q̃ after the backward pass (`[T][A]`). */
  qTilde: number[][];
}

function checkUnit(name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new InvalidArgumentError(name, `${name} must be a number in [0, 1], got ${String(value)}`);
  }
}

function checkLength(name: string, values: ArrayLike<unknown>, length: number): void {
  if (values.length !== length) {
    throw new InvalidArgumentError(`episode.${name}`, `episode.${name} has ${values.length} entries, but episode.nextQ has ${length} rows (one per transition)`);
  }
}

/**
 * Targets of the Episodic Backward Update with diffusion factor β (Lee, Choi and Chung, NeurIPS
 * 2019, Algorithm 2). Q̃ starts as `nextQ` with the rows of terminal transitions zeroed. Going
 * backwards over k = T−1 … 0, the target of transition k+1 is first diffused into the entry of the
 * action taken at transition k's next state, `Q̃[k][a_{k+1}] ← β·y_{k+1} + (1−β)·Q̃[k][a_{k+1}]`
 * (not across an episode end), then `y_k = r_k + γ·max_a Q̃[k][a]` (`y_k = r_k` for a terminal).
 *
 * A non-terminal last transition (a truncated episode) bootstraps from its own `nextQ` row. An
 * episode of one transition gives the one-step target. β = 0 gives exactly one-step DQN targets.
 *
 * @throws InvalidArgumentError on β or γ outside [0, 1], an empty episode, mismatched lengths,
 *   ragged `nextQ` rows or an action outside `[0, A)`.
 */
export function episodicBackwardTargets(episode: BackwardEpisode, options: BackwardTargetOptions): BackwardTargets {
  const { beta, gamma } = options;
  checkUnit('beta', beta);
  checkUnit('gamma', gamma);
  const length = episode.nextQ.length;
  if (length === 0) throw new InvalidArgumentError('episode', 'the episode is empty: give at least one transition');
  checkLength('actions', episode.actions, length);
  checkLength('rewards', episode.rewards, length);
  checkLength('terminals', episode.terminals, length);
  if (episode.ends !== undefined) checkLength('ends', episode.ends, length);
  const actionCount = episode.nextQ[0].length;
  if (actionCount === 0) throw new InvalidArgumentError('episode.nextQ', 'episode.nextQ rows are empty: give one Q-value per action');
  const qTilde: number[][] = [];
  for (let k = 0; k < length; k += 1) {
    const row = episode.nextQ[k];
    if (row.length !== actionCount) {
      throw new InvalidArgumentError('episode.nextQ', `episode.nextQ[${k}] has ${row.length} values, but row 0 has ${actionCount} (one per action)`);
    }
    const action = episode.actions[k];
    if (!Number.isInteger(action) || action < 0 || action >= actionCount) {
      throw new InvalidArgumentError('episode.actions', `episode.actions[${k}] = ${action} is outside the ${actionCount} actions [0, ${actionCount - 1}]`);
    }
    qTilde.push(episode.terminals[k] ? new Array<number>(actionCount).fill(0) : Array.from(row));
  }
  const isEnd = (k: number) => Boolean(episode.terminals[k]) || Boolean(episode.ends?.[k]);
  const targets = new Float32Array(length);
  const exact = new Float64Array(length);
  for (let k = length - 1; k >= 0; k -= 1) {
    if (k + 1 < length && !isEnd(k)) {
      const next = episode.actions[k + 1];
      qTilde[k][next] = beta * exact[k + 1] + (1 - beta) * qTilde[k][next];
    }
    const reward = episode.rewards[k];
    if (episode.terminals[k]) {
      exact[k] = reward;
    } else {
      let best = -Infinity;
      for (const value of qTilde[k]) if (value > best) best = value;
      exact[k] = reward + gamma * best;
    }
    targets[k] = exact[k];
  }
  return { targets, qTilde };
}

/** An episode of a tabular environment, in temporal order. */
export interface TabularEpisode {
  states: ArrayLike<number>;
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
  nextStates: ArrayLike<number>;
  terminals: ArrayLike<boolean | number>;
}

/** Options of {@link tabularEbuUpdate} and {@link tabularQUpdate}. */
export interface TabularUpdateOptions {
  /** Step size η in (0, 1]. */
  learningRate: number;
  /** Discount γ in [0, 1]. */
  gamma: number;
}

function checkTabular(q: ReadonlyArray<ArrayLike<number>>, episode: TabularEpisode, options: TabularUpdateOptions): void {
  const { learningRate, gamma } = options;
  if (typeof learningRate !== 'number' || !(learningRate > 0 && learningRate <= 1)) {
    throw new InvalidArgumentError('learningRate', `learningRate must be a number in (0, 1], got ${String(learningRate)}`);
  }
  checkUnit('gamma', gamma);
  const length = episode.states.length;
  if (length === 0) throw new InvalidArgumentError('episode', 'the episode is empty: give at least one transition');
  for (const name of ['actions', 'rewards', 'nextStates', 'terminals'] as const) {
    if (episode[name].length !== length) {
      throw new InvalidArgumentError(`episode.${name}`, `episode.${name} has ${episode[name].length} entries, but episode.states has ${length}`);
    }
  }
  const states = q.length;
  const actions = states > 0 ? q[0].length : 0;
  for (let t = 0; t < length; t += 1) {
    for (const [name, value, bound] of [
      ['states', episode.states[t], states],
      ['nextStates', episode.nextStates[t], states],
      ['actions', episode.actions[t], actions],
    ] as const) {
      if (!Number.isInteger(value) || value < 0 || value >= bound) {
        throw new InvalidArgumentError(`episode.${name}`, `episode.${name}[${t}] = ${value} is outside the table's ${bound} ${name === 'actions' ? 'actions' : 'states'}`);
      }
    }
  }
}

/** In place: `q[s][a] += η (r + γ·max q[s'] − q[s][a])` (no bootstrap after a terminal). Returns the target. */
export function tabularQStep(q: number[][], state: number, action: number, reward: number, nextState: number, terminal: boolean, options: TabularUpdateOptions): number {
  let target = reward;
  if (!terminal) {
    let best = -Infinity;
    for (const value of q[nextState]) if (value > best) best = value;
    target += options.gamma * best;
  }
  q[state][action] += options.learningRate * (target - q[state][action]);
  return target;
}

/**
 * One backward sweep of the paper's tabular EBU over an episode: for t = T−1 … 0,
 * `Q(s_t, a_t) ← Q(s_t, a_t) + η [r_t + γ·max_a Q(s_{t+1}, a) − Q(s_t, a_t)]` with `Q(terminal, ·) = 0`,
 * so a reward at the end reaches the first state in one sweep. The input table is not changed.
 *
 * @returns the updated table (a copy) and the target of each transition, in temporal order.
 */
export function tabularEbuUpdate(q: ReadonlyArray<ArrayLike<number>>, episode: TabularEpisode, options: TabularUpdateOptions): { q: number[][]; targets: number[] } {
  checkTabular(q, episode, options);
  const table = q.map((row) => Array.from(row));
  const targets = new Array<number>(episode.states.length);
  for (let t = episode.states.length - 1; t >= 0; t -= 1) {
    targets[t] = tabularQStep(table, episode.states[t], episode.actions[t], episode.rewards[t], episode.nextStates[t], Boolean(episode.terminals[t]), options);
  }
  return { q: table, targets };
}

/**
 * One-step Q-learning over the same transitions in temporal (forward) order, the baseline of
 * {@link tabularEbuUpdate}. The input table is not changed.
 */
export function tabularQUpdate(q: ReadonlyArray<ArrayLike<number>>, episode: TabularEpisode, options: TabularUpdateOptions): { q: number[][]; targets: number[] } {
  checkTabular(q, episode, options);
  const table = q.map((row) => Array.from(row));
  const targets = new Array<number>(episode.states.length);
  for (let t = 0; t < episode.states.length; t += 1) {
    targets[t] = tabularQStep(table, episode.states[t], episode.actions[t], episode.rewards[t], episode.nextStates[t], Boolean(episode.terminals[t]), options);
  }
  return { q: table, targets };
}

/** One-step DQN targets `r + γ·(1 − terminal)·max_a nextQ`, the β = 0 case of {@link episodicBackwardTargets}. */
export function oneStepTargets(episode: Pick<BackwardEpisode, 'nextQ' | 'rewards' | 'terminals'>, options: { gamma: number }): Float32Array {
  checkUnit('gamma', options.gamma);
  const targets = new Float32Array(episode.nextQ.length);
  for (let k = 0; k < targets.length; k += 1) {
    let best = -Infinity;
    for (const value of Array.from(episode.nextQ[k])) if (value > best) best = value;
    targets[k] = episode.rewards[k] + (episode.terminals[k] ? 0 : options.gamma * best);
  }
  return targets;
}
