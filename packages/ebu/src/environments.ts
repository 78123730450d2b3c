import { createRng, InvalidArgumentError, type Environment, type EnvironmentReset, type EnvironmentStep, type Rng, type RngState, type Space } from '@core/runtime';

/** Observations of the tabular environments: the state's index, or a one-hot vector over states. */
export type TabularObservation = 'index' | 'one-hot';

/**
 * What this package's environments add to the runtime's contract: the number of discrete states
 * (for tabular agents), the current state's index, and the optimal actions of each state (to check
 * whether a greedy policy is optimal). Optional: agents work without them.
 */
export interface EnvironmentExtras {
  /** Number of discrete states, for tabular agents. */
  readonly stateCount?: number;
  /** Index of the current state in `[0, stateCount)`. */
  stateIndex?(): number;
  /** For each state index, the actions on a shortest path to the goal (empty for the goal/unreachable states). */
  optimalActions?(): number[][];
  /** Length of the shortest path from the start to the goal. */
  readonly shortestPath?: number;
}

/** An environment of this package: the runtime's contract plus {@link EnvironmentExtras}. */
export type EbuEnvironment<Observation = Float32Array | number> = Environment<Observation, number> & EnvironmentExtras;

/** Throws unless `action` is an integer in `[0, n)`. */
export function checkDiscreteAction(action: unknown, n: number, names?: readonly string[]): number {
  if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= n) {
    throw new InvalidArgumentError(
      'action',
      `action must be an integer in [0, ${n - 1}]${names ? ` (${names.map((name, index) => `${index} ${name}`).join(', ')})` : ''}, got ${typeof action === 'number' ? action : JSON.stringify(action)}`,
    );
  }
  return action;
}

function oneHot(index: number, size: number): Float32Array {
  const vector = new Float32Array(size);
  vector[index] = 1;
  return vector;
}

// ---------------------------------------------------------------------------
// Chain MDP
// ---------------------------------------------------------------------------

/** Options of {@link createChain}. */
export interface ChainOptions {
  /** States 0 … length−1; the last one is the goal. ≥ 2. */
  length: number;
  /** Steps before truncation (default 3·length). */
  maxSteps?: number;
  /** Probability that a move goes the other way (default 0: deterministic). */
  slip?: number;
  /** Reward on reaching the goal (default 1). */
  goalReward?: number;
  observation?: TabularObservation;
}

interface ChainState {
  position: number;
  steps: number;
  done: boolean;
  started: boolean;
  rng: RngState;
}

/**
 * A chain MDP: states 0 … N−1 on a line, actions 0 (left) and 1 (right), start at 0, reward
 * `goalReward` and termination on reaching N−1, truncated after `maxSteps`.
 */
export function createChain(options: ChainOptions): EbuEnvironment {
  const length = options.length;
  if (!Number.isInteger(length) || length < 2) throw new InvalidArgumentError('length', `length must be an integer ≥ 2, got ${length}`);
  const maxSteps = options.maxSteps ?? 3 * length;
  const slip = options.slip ?? 0;
  const goalReward = options.goalReward ?? 1;
  const mode = options.observation ?? 'one-hot';
  let rng: Rng = createRng(0);
  let position = 0;
  let steps = 0;
  let done = false;
  let started = false;
  let closed = false;
  const observe = () => (mode === 'index' ? position : oneHot(position, length));
  const observationSpace: Space = mode === 'index' ? { kind: 'discrete', n: length } : { kind: 'box', shape: [length], low: 0, high: 1 };
  return {
    observationSpace,
    actionSpace: { kind: 'discrete', n: 2 },
    stateCount: length,
    shortestPath: length - 1,
    stateIndex: () => position,
    optimalActions: () => Array.from({ length }, (_, state) => (state === length - 1 ? [] : [1])),
    reset(resetOptions = {}) {
      if (resetOptions.seed !== undefined) rng = createRng(resetOptions.seed);
      position = 0;
      steps = 0;
      done = false;
      started = true;
      return { observation: observe(), info: { state: position } } as EnvironmentReset<Float32Array | number>;
    },
    step(action) {
      if (closed) throw new InvalidArgumentError('environment', 'the chain is closed');
      if (!started) throw new InvalidArgumentError('environment', 'call reset() before step()');
      if (done) throw new InvalidArgumentError('environment', 'the episode has ended (terminated or truncated): call reset() before stepping again');
      checkDiscreteAction(action, 2, ['left', 'right']);
      const flipped = slip > 0 && rng.next() < slip;
      const right = (action === 1) !== flipped;
      position = Math.max(0, Math.min(length - 1, position + (right ? 1 : -1)));
      steps += 1;
      const terminated = position === length - 1;
      const truncated = !terminated && steps >= maxSteps;
      done = terminated || truncated;
      return { observation: observe(), reward: terminated ? goalReward : 0, terminated, truncated, info: { state: position, steps } } as EnvironmentStep<Float32Array | number>;
    },
    close() {
      closed = true;
    },
    getState: (): ChainState => ({ position, steps, done, started, rng: rng.getState() }),
    setState(state) {
      const saved = state as ChainState;
      ({ position, steps, done, started } = saved);
      rng.setState(saved.rng);
    },
  };
}

// ---------------------------------------------------------------------------
// Grid maze
// ---------------------------------------------------------------------------

/** Actions of the mazes: 0 up, 1 right, 2 down, 3 left. */
export const mazeActionNames = ['up', 'right', 'down', 'left'] as const;
const moves = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
] as const;

/** A maze layout: `walls[row * cols + col]` is true for a wall; start (0, 0), goal (rows−1, cols−1). */
export interface MazeLayout {
  rows: number;
  cols: number;
  walls: boolean[];
  /** Shortest number of moves from the start to the goal. */
  shortestPath: number;
  /** Moves to the goal from each cell (−1 for walls and cells that cannot reach it). */
  distances: number[];
}

function distancesToGoal(rows: number, cols: number, walls: readonly boolean[]): number[] {
  const distances = new Array<number>(rows * cols).fill(-1);
  const goal = rows * cols - 1;
  if (walls[goal]) return distances;
  distances[goal] = 0;
  const queue = [goal];
  for (let head = 0; head < queue.length; head += 1) {
    const cell = queue[head];
    const row = Math.floor(cell / cols);
    const col = cell % cols;
    for (const [dr, dc] of moves) {
      const r = row + dr;
      const c = col + dc;
      if (r < 0 || r >= rows || c < 0 || c >= cols) continue;
      const next = r * cols + c;
      if (walls[next] || distances[next] >= 0) continue;
      distances[next] = distances[cell] + 1;
      queue.push(next);
    }
  }
  return distances;
}

/** Builds a maze from given walls; throws when the goal cannot be reached from the start. */
export function mazeFromWalls(rows: number, cols: number, walls: readonly boolean[]): MazeLayout {
  if (walls.length !== rows * cols) throw new InvalidArgumentError('walls', `walls must have rows·cols = ${rows * cols} entries, got ${walls.length}`);
  const distances = distancesToGoal(rows, cols, walls);
  if (walls[0] || distances[0] < 0) throw new InvalidArgumentError('walls', 'the goal (bottom-right) cannot be reached from the start (top-left)');
  return { rows, cols, walls: [...walls], shortestPath: distances[0], distances };
}

/**
 * A random maze: each cell but the start and the goal is a wall with probability `wallDensity`;
 * layouts without a path from start to goal are rejected and drawn again. Same seed → same maze.
 */
export function generateMaze(options: { rows: number; cols: number; wallDensity: number; seed: number }): MazeLayout {
  const { rows, cols, wallDensity, seed } = options;
  if (!Number.isInteger(rows) || rows < 2 || !Number.isInteger(cols) || cols < 2) throw new InvalidArgumentError('rows', `a maze needs at least 2 × 2 cells, got ${rows} × ${cols}`);
  if (!(wallDensity >= 0 && wallDensity < 1)) throw new InvalidArgumentError('wallDensity', `wallDensity must be in [0, 1), got ${wallDensity}`);
  const rng = createRng(seed);
  for (let attempt = 0; attempt < 10_000; attempt += 1) {
    const walls = Array.from({ length: rows * cols }, (_, cell) => cell !== 0 && cell !== rows * cols - 1 && rng.next() < wallDensity);
    const distances = distancesToGoal(rows, cols, walls);
    if (distances[0] >= 0) return { rows, cols, walls, shortestPath: distances[0], distances };
  }
  throw new InvalidArgumentError('wallDensity', `no maze with a path from start to goal found in 10,000 draws at wallDensity ${wallDensity}: lower it`);
}

/** Rewards and limits of the mazes. */
export interface MazeRewards {
  /** Reward on reaching the goal (the paper's 1000, scaled here by default to 1). */
  goalReward?: number;
  /** Reward for bumping into a wall or the border (the paper's −1, scaled to −0.001). */
  wallReward?: number;
  /** Reward of every other step (default 0). */
  stepReward?: number;
  /** Steps before truncation (default 1000). */
  maxSteps?: number;
}

interface MazeState {
  cell: number;
  steps: number;
  done: boolean;
  started: boolean;
  rng: RngState;
  extra?: unknown;
}

interface MazeCore {
  layout: MazeLayout;
  move(action: number): { reward: number; terminated: boolean; truncated: boolean; bumped: boolean };
  reset(): void;
  cell: () => number;
  steps: () => number;
  checkStep(): void;
  getState(): Omit<MazeState, 'rng'>;
  setState(state: MazeState): void;
  close(): void;
}

function createMazeCore(layout: MazeLayout, rewards: MazeRewards): MazeCore {
  const goalReward = rewards.goalReward ?? 1;
  const wallReward = rewards.wallReward ?? -0.001;
  const stepReward = rewards.stepReward ?? 0;
  const maxSteps = rewards.maxSteps ?? 1000;
  const goal = layout.rows * layout.cols - 1;
  let cell = 0;
  let steps = 0;
  let done = false;
  let started = false;
  let closed = false;
  return {
    layout,
    cell: () => cell,
    steps: () => steps,
    reset() {
      cell = 0;
      steps = 0;
      done = false;
      started = true;
    },
    checkStep() {
      if (closed) throw new InvalidArgumentError('environment', 'the maze is closed');
      if (!started) throw new InvalidArgumentError('environment', 'call reset() before step()');
      if (done) throw new InvalidArgumentError('environment', 'the episode has ended (terminated or truncated): call reset() before stepping again');
    },
    move(action) {
      checkDiscreteAction(action, 4, mazeActionNames);
      const row = Math.floor(cell / layout.cols) + moves[action][0];
      const col = (cell % layout.cols) + moves[action][1];
      const bumped = row < 0 || row >= layout.rows || col < 0 || col >= layout.cols || layout.walls[row * layout.cols + col];
      if (!bumped) cell = row * layout.cols + col;
      steps += 1;
      const terminated = cell === goal;
      const truncated = !terminated && steps >= maxSteps;
      done = terminated || truncated;
      return { reward: terminated ? goalReward : bumped ? wallReward : stepReward, terminated, truncated, bumped };
    },
    getState: () => ({ cell, steps, done, started }),
    setState(state) {
      ({ cell, steps, done, started } = state);
    },
    close() {
      closed = true;
    },
  };
}

function optimalMazeActions(layout: MazeLayout): number[][] {
  return layout.distances.map((distance, cell) => {
    if (distance <= 0) return [];
    const row = Math.floor(cell / layout.cols);
    const col = cell % layout.cols;
    const best: number[] = [];
    moves.forEach(([dr, dc], action) => {
      const r = row + dr;
      const c = col + dc;
      if (r >= 0 && r < layout.rows && c >= 0 && c < layout.cols && layout.distances[r * layout.cols + c] === distance - 1) best.push(action);
    });
    return best;
  });
}

/** Options of {@link createGridMaze}. */
export interface GridMazeOptions extends MazeRewards {
  layout: MazeLayout;
  observation?: TabularObservation;
}

/**
 * A grid maze with sparse reward: start top-left, goal bottom-right, actions up/right/down/left,
 * `goalReward` and termination at the goal, `wallReward` for bumping into a wall (the agent stays).
 * Observation: the cell's index or a one-hot vector over cells.
 */
export function createGridMaze(options: GridMazeOptions): EbuEnvironment {
  const core = createMazeCore(options.layout, options);
  const cells = options.layout.rows * options.layout.cols;
  const mode = options.observation ?? 'one-hot';
  let rng: Rng = createRng(0);
  const observe = () => (mode === 'index' ? core.cell() : oneHot(core.cell(), cells));
  return {
    observationSpace: mode === 'index' ? { kind: 'discrete', n: cells } : { kind: 'box', shape: [cells], low: 0, high: 1 },
    actionSpace: { kind: 'discrete', n: 4 },
    stateCount: cells,
    shortestPath: options.layout.shortestPath,
    stateIndex: () => core.cell(),
    optimalActions: () => optimalMazeActions(options.layout),
    reset(resetOptions = {}) {
      if (resetOptions.seed !== undefined) rng = createRng(resetOptions.seed);
      core.reset();
      return { observation: observe(), info: { state: core.cell(), shortestPath: options.layout.shortestPath } } as EnvironmentReset<Float32Array | number>;
    },
    step(action) {
      core.checkStep();
      const result = core.move(action);
      return { observation: observe(), reward: result.reward, terminated: result.terminated, truncated: result.truncated, info: { state: core.cell(), steps: core.steps(), bumped: result.bumped } } as EnvironmentStep<Float32Array | number>;
    },
    close: () => core.close(),
    getState: (): MazeState => ({ ...core.getState(), rng: rng.getState() }),
    setState(state) {
      core.setState(state as MazeState);
      rng.setState((state as MazeState).rng);
    },
  };
}

/** Digit images for {@link createMnistMaze}: for each digit 0–9, its images (28·28 values in [0, 1] each, back to back). */
export type DigitImages = readonly Float32Array[];

/** Options of {@link createMnistMaze}. */
export interface MnistMazeOptions extends MazeRewards {
  /** At most 10 × 10 (one digit per coordinate). */
  layout: MazeLayout;
  digits: DigitImages;
}

const digitPixels = 28 * 28;

/**
 * The paper's 2D MNIST maze: the dynamics of {@link createGridMaze}, but the agent sees two MNIST
 * images side by side, the digit of its row and the digit of its column (observation
 * `[28, 56, 1]`, values in [0, 1]), each drawn afresh from that digit's images on every visit.
 */
export function createMnistMaze(options: MnistMazeOptions): EbuEnvironment<Float32Array> {
  const { layout, digits } = options;
  if (layout.rows > 10 || layout.cols > 10) throw new InvalidArgumentError('rows', `an MNIST maze has at most 10 × 10 cells (one digit per coordinate), got ${layout.rows} × ${layout.cols}`);
  if (digits.length < Math.max(layout.rows, layout.cols) || digits.some((images) => images.length < digitPixels || images.length % digitPixels !== 0)) {
    throw new InvalidArgumentError('digits', 'digits must hold, for each digit 0–9, at least one 28×28 image (784 values each)');
  }
  const core = createMazeCore(layout, options);
  let rng: Rng = createRng(0);
  let observation = new Float32Array(28 * 56);
  const draw = () => {
    const row = Math.floor(core.cell() / layout.cols);
    const col = core.cell() % layout.cols;
    observation = new Float32Array(28 * 56);
    for (const [half, digit] of [
      [0, row],
      [1, col],
    ] as const) {
      const images = digits[digit];
      const offset = rng.int(images.length / digitPixels) * digitPixels;
      for (let y = 0; y < 28; y += 1) observation.set(images.subarray(offset + y * 28, offset + y * 28 + 28), y * 56 + half * 28);
    }
    return observation;
  };
  return {
    observationSpace: { kind: 'box', shape: [28, 56, 1], low: 0, high: 1 },
    actionSpace: { kind: 'discrete', n: 4 },
    stateCount: layout.rows * layout.cols,
    shortestPath: layout.shortestPath,
    stateIndex: () => core.cell(),
    optimalActions: () => optimalMazeActions(layout),
    reset(resetOptions = {}) {
      if (resetOptions.seed !== undefined) rng = createRng(resetOptions.seed);
      core.reset();
      return { observation: draw(), info: { state: core.cell(), shortestPath: layout.shortestPath } };
    },
    step(action) {
      core.checkStep();
      const result = core.move(action);
      return { observation: draw(), reward: result.reward, terminated: result.terminated, truncated: result.truncated, info: { state: core.cell(), steps: core.steps(), bumped: result.bumped } };
    },
    close: () => core.close(),
    // The current images are part of the state: a resumed run sees the same observation.
    getState: (): MazeState => ({ ...core.getState(), rng: rng.getState(), extra: Array.from(observation) }),
    setState(state) {
      const saved = state as MazeState;
      core.setState(saved);
      rng.setState(saved.rng);
      observation = Float32Array.from(saved.extra as number[]);
    },
  };
}

// ---------------------------------------------------------------------------
// CartPole
// ---------------------------------------------------------------------------

/** Options of {@link createCartPole}. */
export interface CartPoleOptions {
  /** Steps before truncation (Gymnasium's CartPole-v1: 500). */
  maxSteps?: number;
}

interface CartPoleState {
  physics: number[];
  steps: number;
  done: boolean;
  started: boolean;
  rng: RngState;
}

/**
 * Classic-control CartPole (Barto, Sutton and Anderson 1983), as Gymnasium's `CartPole-v1`: state
 * (x, ẋ, θ, θ̇) starting uniformly in ±0.05, actions 0 (push left) and 1 (push right) with force 10,
 * Euler integration with τ = 0.02, reward 1 per step, terminated when |θ| > 12° or |x| > 2.4,
 * truncated after `maxSteps` (500).
 */
export function createCartPole(options: CartPoleOptions = {}): EbuEnvironment<Float32Array> {
  const maxSteps = options.maxSteps ?? 500;
  const gravity = 9.8;
  const massCart = 1;
  const massPole = 0.1;
  const totalMass = massCart + massPole;
  const halfLength = 0.5;
  const poleMassLength = massPole * halfLength;
  const forceMagnitude = 10;
  const tau = 0.02;
  const thetaThreshold = (12 * 2 * Math.PI) / 360;
  const xThreshold = 2.4;
  let rng: Rng = createRng(0);
  let physics = [0, 0, 0, 0];
  let steps = 0;
  let done = false;
  let started = false;
  let closed = false;
  const bound = [xThreshold * 2, Number.MAX_VALUE, thetaThreshold * 2, Number.MAX_VALUE];
  return {
    observationSpace: { kind: 'box', shape: [4], low: bound.map((value) => -value), high: bound },
    actionSpace: { kind: 'discrete', n: 2 },
    reset(resetOptions = {}) {
      if (resetOptions.seed !== undefined) rng = createRng(resetOptions.seed);
      physics = [0, 0, 0, 0].map(() => rng.next() * 0.1 - 0.05);
      steps = 0;
      done = false;
      started = true;
      return { observation: Float32Array.from(physics), info: {} };
    },
    step(action) {
      if (closed) throw new InvalidArgumentError('environment', 'CartPole is closed');
      if (!started) throw new InvalidArgumentError('environment', 'call reset() before step()');
      if (done) throw new InvalidArgumentError('environment', 'the episode has ended (terminated or truncated): call reset() before stepping again');
      checkDiscreteAction(action, 2, ['push left', 'push right']);
      let [x, xDot, theta, thetaDot] = physics;
      const force = action === 1 ? forceMagnitude : -forceMagnitude;
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const temp = (force + poleMassLength * thetaDot * thetaDot * sin) / totalMass;
      const thetaAcc = (gravity * sin - cos * temp) / (halfLength * (4 / 3 - (massPole * cos * cos) / totalMass));
      const xAcc = temp - (poleMassLength * thetaAcc * cos) / totalMass;
      x += tau * xDot;
      xDot += tau * xAcc;
      theta += tau * thetaDot;
      thetaDot += tau * thetaAcc;
      physics = [x, xDot, theta, thetaDot];
      steps += 1;
      const terminated = x < -xThreshold || x > xThreshold || theta < -thetaThreshold || theta > thetaThreshold;
      const truncated = !terminated && steps >= maxSteps;
      done = terminated || truncated;
      return { observation: Float32Array.from(physics), reward: 1, terminated, truncated, info: { steps } };
    },
    close() {
      closed = true;
    },
    getState: (): CartPoleState => ({ physics: [...physics], steps, done, started, rng: rng.getState() }),
    setState(state) {
      const saved = state as CartPoleState;
      physics = [...saved.physics];
      ({ steps, done, started } = saved);
      rng.setState(saved.rng);
    },
  };
}
