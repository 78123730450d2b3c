import { createRng } from '@core/runtime';
import { describe, expect, it } from 'vitest';
import { createEpisodicReplay } from './replay';

const add = (replay: ReturnType<typeof createEpisodicReplay>, value: number, end: 'none' | 'terminal' | 'truncated' = 'none') =>
  replay.add({ observation: [value], action: value % 2, reward: value, nextObservation: [value + 0.5], terminated: end === 'terminal', truncated: end === 'truncated' });

describe('episodic replay', () => {
  it('stores whole episodes, reads them backwards, ignores the ongoing one', () => {
    const replay = createEpisodicReplay({ capacity: 10, observationSize: 1 });
    add(replay, 0);
    add(replay, 1);
    add(replay, 2, 'terminal');
    add(replay, 3, 'truncated');
    add(replay, 4);
    const episodes = replay.episodes();
    expect(episodes.map((episode) => Array.from(episode.slots))).toEqual([[0, 1, 2], [3]]);
    expect(Array.from(replay.backward(episodes[0]))).toEqual([2, 1, 0]);
    expect(Array.from(replay.observations([2, 0], true))).toEqual([2.5, 0.5]);
    expect(replay.terminated(2)).toBe(true);
    expect(replay.terminated(3)).toBe(false);
    expect(replay.ended(3)).toBe(true);
  });

  it('wraps around: an episode whose start was overwritten keeps its suffix', () => {
    const replay = createEpisodicReplay({ capacity: 4, observationSize: 1 });
    [0, 1, 2].forEach((value) => add(replay, value));
    add(replay, 3, 'terminal');
    add(replay, 4);
    add(replay, 5, 'terminal');
    // Slots now hold 4, 5, 2, 3: the oldest is slot 2 (value 2).
    expect(replay.episodes().map((episode) => Array.from(replay.observations(episode.slots)))).toEqual([[2, 3], [4, 5]]);
  });

  it('samples episodes uniformly by episode, not by transition', () => {
    const replay = createEpisodicReplay({ capacity: 20, observationSize: 1 });
    for (let value = 0; value < 9; value += 1) add(replay, value);
    add(replay, 9, 'terminal'); // a long episode of 10
    add(replay, 10, 'terminal'); // a short one of 1
    const rng = createRng(1);
    let short = 0;
    for (let draw = 0; draw < 2000; draw += 1) if (replay.sampleEpisode(rng)!.slots.length === 1) short += 1;
    expect(short / 2000).toBeGreaterThan(0.45);
    expect(short / 2000).toBeLessThan(0.55);
  });

  it('round-trips through buffers, uint8 storage included', () => {
    const replay = createEpisodicReplay({ capacity: 3, observationSize: 2, storage: 'uint8' });
    replay.add({ observation: [0, 1], action: 1, reward: 2, nextObservation: [0.2, 0.6], terminated: true, truncated: false });
    const copy = createEpisodicReplay({ capacity: 3, observationSize: 2, storage: 'uint8' });
    copy.setBuffers(replay.getBuffers());
    copy.setCursor(replay.getCursor());
    expect(Array.from(copy.observations([0], true)).map((value) => Number(value.toFixed(3)))).toEqual([0.2, 0.6]);
    expect(copy.episodes()).toHaveLength(1);
    expect(() => createEpisodicReplay({ capacity: 4, observationSize: 2 }).setBuffers(replay.getBuffers())).toThrow(/does not match this memory/);
    expect(() => replay.add({ observation: [1], action: 0, reward: 0, nextObservation: [1], terminated: false, truncated: false })).toThrow(/has 2 values/);
  });
});
