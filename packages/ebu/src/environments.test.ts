import { describe, expect, it } from 'vitest';
import { createCartPole, createChain, createGridMaze, createMnistMaze, generateMaze, mazeFromWalls } from './environments';

describe('chain', () => {
  it('moves, rewards and terminates at the end, truncates after maxSteps, rejects bad actions', () => {
    const chain = createChain({ length: 3, observation: 'index' });
    expect(chain.reset({ seed: 1 }).observation).toBe(0);
    expect(chain.step(0)).toMatchObject({ observation: 0, reward: 0, terminated: false, truncated: false });
    expect(chain.step(1)).toMatchObject({ observation: 1, reward: 0, terminated: false });
    expect(chain.step(1)).toMatchObject({ observation: 2, reward: 1, terminated: true, truncated: false });
    expect(() => chain.step(1)).toThrow(/call reset\(\) before stepping again/);
    chain.reset();
    expect(() => chain.step(2)).toThrow(/action must be an integer in \[0, 1\] \(0 left, 1 right\), got 2/);
    expect(() => chain.step(0.5)).toThrow(/action/);
    const short = createChain({ length: 5, maxSteps: 2 });
    short.reset({ seed: 0 });
    short.step(0);
    expect(short.step(0)).toMatchObject({ terminated: false, truncated: true });
    expect(Array.from(createChain({ length: 3 }).reset().observation as Float32Array)).toEqual([1, 0, 0]);
  });

  it('restores its state, generator included', () => {
    const a = createChain({ length: 6, slip: 0.5 });
    a.reset({ seed: 3 });
    a.step(1);
    const saved = JSON.parse(JSON.stringify(a.getState!()));
    const b = createChain({ length: 6, slip: 0.5 });
    b.reset({ seed: 99 });
    b.setState!(saved);
    for (let index = 0; index < 5; index += 1) expect(b.step(1)).toEqual(a.step(1));
  });
});

describe('mazes', () => {
  it('computes shortest paths, rejects mazes without a path, bumps into walls', () => {
    // 3 × 3 with a wall at (0,1) and (1,1): the path goes down the left column, then right.
    const layout = mazeFromWalls(3, 3, [false, true, false, false, true, false, false, false, false]);
    expect(layout.shortestPath).toBe(4);
    expect(() => mazeFromWalls(2, 2, [false, true, true, false])).toThrow(/cannot be reached/);
    const maze = createGridMaze({ layout, observation: 'index', wallReward: -1, goalReward: 10 });
    expect(maze.optimalActions!()[0]).toEqual([2]);
    maze.reset({ seed: 0 });
    expect(maze.step(1)).toMatchObject({ observation: 0, reward: -1, info: { bumped: true } });
    expect(maze.step(3)).toMatchObject({ observation: 0, reward: -1 });
    maze.step(2);
    maze.step(2);
    maze.step(1);
    expect(maze.step(1)).toMatchObject({ observation: 8, reward: 10, terminated: true });
    expect(() => maze.step(4)).toThrow(/reset|action/);
  });

  it('generates the same maze for the same seed, always solvable', () => {
    const a = generateMaze({ rows: 10, cols: 10, wallDensity: 0.3, seed: 4 });
    expect(generateMaze({ rows: 10, cols: 10, wallDensity: 0.3, seed: 4 }).walls).toEqual(a.walls);
    expect(a.shortestPath).toBeGreaterThanOrEqual(18);
    expect(a.walls.filter(Boolean).length).toBeGreaterThan(10);
  });

  it('MNIST maze shows the digits of row and column, redrawn on each visit', () => {
    // Fake digits: digit d's images are constant d/10 (image 0) and d/10 + 0.05 (image 1).
    const digits = Array.from({ length: 10 }, (_, digit) => Float32Array.from({ length: 2 * 784 }, (_, index) => digit / 10 + (index >= 784 ? 0.05 : 0)));
    const maze = createMnistMaze({ layout: mazeFromWalls(3, 3, new Array(9).fill(false)), digits });
    const first = maze.reset({ seed: 2 }).observation;
    expect(first.length).toBe(28 * 56);
    const step = maze.step(1).observation; // now at row 0, column 1
    expect([0, 0.05]).toContainEqual(Number(step[0].toFixed(2)));
    expect([0.1, 0.15]).toContainEqual(Number(step[28].toFixed(2)));
    expect(Number(step[56 * 27 + 55].toFixed(2))).toBe(Number(step[28].toFixed(2)));
    const saved = JSON.parse(JSON.stringify(maze.getState!()));
    const next = maze.step(2);
    const copy = createMnistMaze({ layout: mazeFromWalls(3, 3, new Array(9).fill(false)), digits });
    copy.setState!(saved);
    expect(copy.step(2)).toEqual(next);
    expect(() => createMnistMaze({ layout: generateMaze({ rows: 11, cols: 3, wallDensity: 0, seed: 0 }), digits })).toThrow(/at most 10 × 10/);
  });
});

describe('cartpole', () => {
  it('follows the classic dynamics and terminates when the pole falls', () => {
    const pole = createCartPole();
    const start = pole.reset({ seed: 5 }).observation;
    expect(Math.max(...Array.from(start, Math.abs))).toBeLessThanOrEqual(0.05);
    // First Euler step by hand from the start state, pushing right.
    const [x, xDot, theta, thetaDot] = Array.from(start);
    const temp = (10 + 0.05 * thetaDot * thetaDot * Math.sin(theta)) / 1.1;
    const thetaAcc = (9.8 * Math.sin(theta) - Math.cos(theta) * temp) / (0.5 * (4 / 3 - (0.1 * Math.cos(theta) ** 2) / 1.1));
    const xAcc = temp - (0.05 * thetaAcc * Math.cos(theta)) / 1.1;
    const step = pole.step(1);
    const expected = [x + 0.02 * xDot, xDot + 0.02 * xAcc, theta + 0.02 * thetaDot, thetaDot + 0.02 * thetaAcc];
    Array.from(step.observation).forEach((value, index) => expect(value).toBeCloseTo(expected[index], 5));
    let result = step;
    let steps = 1;
    while (!result.terminated && !result.truncated) {
      result = pole.step(1);
      steps += 1;
    }
    expect(result.terminated).toBe(true);
    expect(steps).toBeLessThan(60);
    expect(() => pole.step(1)).toThrow(/reset/);
    pole.reset();
    expect(() => pole.step(-1)).toThrow(/action must be an integer in \[0, 1\]/);
  });
});
