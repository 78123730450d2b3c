import { describe, expect, it } from 'vitest';
import { episodicBackwardTargets, oneStepTargets, tabularEbuUpdate, tabularQUpdate } from './targets';

const close = (actual: ArrayLike<number>, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((value, index) => expect(actual[index]).toBeCloseTo(value, 6));
};

// Three transitions, two actions, γ = 0.9; the last one reaches a terminal with reward 1.
const episode = {
  nextQ: [
    [1, 2],
    [3, 0],
    [5, 5],
  ],
  actions: [0, 1, 0],
  rewards: [0, 0, 1],
  terminals: [false, false, true],
};

describe('episodicBackwardTargets', () => {
  it('matches hand-computed values for β = 1, 0.5 and 0', () => {
    // β = 1: y2 = 1; Q̃[1][a2=0] ← 1 → y1 = 0.9·max(1, 0) = 0.9; Q̃[0][a1=1] ← 0.9 → y0 = 0.9·max(1, 0.9) = 0.9.
    const full = episodicBackwardTargets(episode, { beta: 1, gamma: 0.9 });
    close(full.targets, [0.9, 0.9, 1]);
    expect(full.qTilde).toEqual([
      [1, 0.9],
      [1, 0],
      [0, 0],
    ]);
    // β = 0.5: Q̃[1][0] = 0.5·1 + 0.5·3 = 2 → y1 = 1.8; Q̃[0][1] = 0.5·1.8 + 0.5·2 = 1.9 → y0 = 0.9·1.9 = 1.71.
    const half = episodicBackwardTargets(episode, { beta: 0.5, gamma: 0.9 });
    close(half.targets, [1.71, 1.8, 1]);
    close(half.qTilde[0], [1, 1.9]);
    close(half.qTilde[1], [2, 0]);
    // β = 0: one-step targets 0.9·2, 0.9·3, 1.
    close(episodicBackwardTargets(episode, { beta: 0, gamma: 0.9 }).targets, [1.8, 2.7, 1]);
  });

  it('with β = 0 equals one-step DQN targets from the same next-state values', () => {
    const nextQ = [
      [0.3, -1.2, 0.7],
      [2.5, 0.1, -0.4],
      [-0.6, -0.2, -0.9],
      [1.1, 1.4, 0.2],
      [0.5, 0.5, 0.5],
    ];
    const input = { nextQ, actions: [2, 0, 1, 1, 0], rewards: [0.5, -1, 0, 2, 3], terminals: [false, false, true, false, false] };
    const expected = nextQ.map((row, k) => input.rewards[k] + (input.terminals[k] ? 0 : 0.95 * Math.max(...row)));
    close(episodicBackwardTargets(input, { beta: 0, gamma: 0.95 }).targets, expected);
    close(oneStepTargets(input, { gamma: 0.95 }), expected);
  });

  it('with β = 1 on a deterministic chain equals the discounted return', () => {
    // Five steps right along a chain, reward 1 on the last (terminal); the target net knows nothing yet.
    const rewards = [0, 0, 0, 0, 1];
    const result = episodicBackwardTargets(
      { nextQ: rewards.map(() => [0, 0]), actions: [1, 1, 1, 1, 1], rewards, terminals: [false, false, false, false, true] },
      { beta: 1, gamma: 0.9 },
    );
    close(result.targets, [0.9 ** 4, 0.9 ** 3, 0.9 ** 2, 0.9, 1]);
  });

  it('with β = 1 takes the larger of the backed-up return and a bootstrapped alternative', () => {
    // At the second state the untaken action 0 is worth 5 according to the target net: max(5, γ·1) wins.
    const result = episodicBackwardTargets(
      { nextQ: [[5, 0], [0, 0]], actions: [1, 1], rewards: [0, 1], terminals: [false, true] },
      { beta: 1, gamma: 0.5 },
    );
    close(result.targets, [2.5, 1]);
  });

  it('does not diffuse across episode boundaries', () => {
    // Episode A (2 steps, terminal) then episode B (2 steps, truncated: bootstraps from nextQ [2, 4]).
    const result = episodicBackwardTargets(
      {
        nextQ: [
          [7, 7],
          [9, 9],
          [1, 0],
          [2, 4],
        ],
        actions: [0, 0, 1, 0],
        rewards: [0, 1, 0, 0.5],
        terminals: [false, true, false, false],
      },
      { beta: 1, gamma: 0.5 },
    );
    // B: y3 = 0.5 + 0.5·4 = 2.5; Q̃[2][a3=0] ← 2.5 → y2 = 0.5·2.5 = 1.25.
    // A: y1 = 1 (terminal, nothing from B); Q̃[0][a1=0] ← 1 → y0 = 0.5·max(1, 7) = 3.5.
    close(result.targets, [3.5, 1, 1.25, 2.5]);
    expect(result.qTilde[1]).toEqual([0, 0]);
  });

  it('stops diffusion at an explicit truncation end', () => {
    const input = { nextQ: [[1, 1], [0, 0]], actions: [0, 0], rewards: [0, 10], terminals: [false, true] };
    // Without the end marker the 10 flows back; with it transition 0 (a truncated episode's last) bootstraps from its own row.
    close(episodicBackwardTargets(input, { beta: 1, gamma: 0.5 }).targets, [5, 10]);
    close(episodicBackwardTargets({ ...input, ends: [true, true] }, { beta: 1, gamma: 0.5 }).targets, [0.5, 10]);
  });

  it('a terminal transition bootstraps nothing; a non-terminal last one bootstraps from its nextQ row; length 1 works', () => {
    close(episodicBackwardTargets({ nextQ: [[100, 200]], actions: [0], rewards: [3], terminals: [true] }, { beta: 0.5, gamma: 0.9 }).targets, [3]);
    close(episodicBackwardTargets({ nextQ: [[100, 200]], actions: [0], rewards: [3], terminals: [false] }, { beta: 0.5, gamma: 0.9 }).targets, [183]);
  });

  it('rejects β or γ outside [0, 1], empty or inconsistent episodes', () => {
    expect(() => episodicBackwardTargets(episode, { beta: 1.5, gamma: 0.9 })).toThrow(/beta must be a number in \[0, 1\], got 1.5/);
    expect(() => episodicBackwardTargets(episode, { beta: -0.1, gamma: 0.9 })).toThrow(/beta/);
    expect(() => episodicBackwardTargets(episode, { beta: Number.NaN, gamma: 0.9 })).toThrow(/beta/);
    expect(() => episodicBackwardTargets(episode, { beta: 0.5, gamma: 2 })).toThrow(/gamma/);
    expect(() => episodicBackwardTargets({ nextQ: [], actions: [], rewards: [], terminals: [] }, { beta: 0.5, gamma: 0.9 })).toThrow(/empty/);
    expect(() => episodicBackwardTargets({ ...episode, rewards: [0, 1] }, { beta: 0.5, gamma: 0.9 })).toThrow(/episode\.rewards has 2 entries/);
    expect(() => episodicBackwardTargets({ ...episode, actions: [0, 2, 0] }, { beta: 0.5, gamma: 0.9 })).toThrow(/episode\.actions\[1\] = 2 is outside/);
  });
});

describe('tabular updates', () => {
  // A chain 0 → 1 → 2 → (3, terminal), reward 1 at the end; 2 actions (0 left, 1 right).
  const chain = { states: [0, 1, 2], actions: [1, 1, 1], rewards: [0, 0, 1], nextStates: [1, 2, 3], terminals: [false, false, true] };
  const zeros = () => [0, 0, 0, 0].map(() => [0, 0]);

  it('one backward sweep propagates the reward to the first state; a forward sweep does not', () => {
    const backward = tabularEbuUpdate(zeros(), chain, { learningRate: 1, gamma: 0.9 });
    close(backward.q.map((row) => row[1]), [0.81, 0.9, 1, 0]);
    close(backward.targets, [0.81, 0.9, 1]);
    const forward = tabularQUpdate(zeros(), chain, { learningRate: 1, gamma: 0.9 });
    expect(forward.q.map((row) => row[1])).toEqual([0, 0, 1, 0]);
  });

  it('uses the learning rate and leaves the input table alone', () => {
    const q = zeros();
    q[3] = [5, 5]; // the terminal's row is never read
    q[0] = [0, 0.4];
    const result = tabularEbuUpdate(q, chain, { learningRate: 0.5, gamma: 1 });
    // t = 2: Q(2,1) = 0.5·1 = 0.5; t = 1: Q(1,1) = 0.5·0.5 = 0.25; t = 0: Q(0,1) = 0.4 + 0.5·(0.25 − 0.4) = 0.325.
    close(result.q.map((row) => row[1]).slice(0, 3), [0.325, 0.25, 0.5]);
    expect(q[0]).toEqual([0, 0.4]);
  });

  it('rejects bad options and states outside the table', () => {
    expect(() => tabularEbuUpdate(zeros(), chain, { learningRate: 0, gamma: 0.9 })).toThrow(/learningRate must be a number in \(0, 1\]/);
    expect(() => tabularEbuUpdate(zeros(), { ...chain, nextStates: [1, 2, 4] }, { learningRate: 1, gamma: 0.9 })).toThrow(/episode\.nextStates\[2\] = 4/);
    expect(() => tabularEbuUpdate(zeros(), { ...chain, states: [] , actions: [], rewards: [], nextStates: [], terminals: [] }, { learningRate: 1, gamma: 0.9 })).toThrow(/empty/);
  });
});
