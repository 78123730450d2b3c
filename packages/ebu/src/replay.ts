import { InvalidArgumentError, type Rng, type TrainerBuffers } from '@core/runtime';

/** How observations are stored: float32 as given, or uint8 (`round(255·x)`, for observations in [0, 1]). */
export type ObservationStorage = 'float32' | 'uint8';

/** Options of {@link createEpisodicReplay}. */
export interface EpisodicReplayOptions {
  /** Transitions kept; the oldest are overwritten first. */
  capacity: number;
  /** Values of one observation (product of the observation shape). */
  observationSize: number;
  storage?: ObservationStorage;
}

/** One transition to store. */
export interface Transition {
  observation: ArrayLike<number>;
  action: number;
  reward: number;
  nextObservation: ArrayLike<number>;
  terminated: boolean;
  truncated: boolean;
}

/** A stored episode: the buffer slots of its transitions in temporal order. */
export interface StoredEpisode {
  /** Slots in the ring, oldest first (the episode may wrap around the ring). */
  slots: Int32Array;
}

/** Counters of the ring, saved as JSON beside the buffers. */
export interface ReplayCursor {
  cursor: number;
  size: number;
  /** Transitions ever added. */
  added: number;
}

/**
 * A replay memory that keeps transitions in a ring with their episode boundaries, samples
 * uniformly among transitions (one-step DQN) or among complete episodes (EBU; an episode whose
 * start was overwritten counts as its remaining suffix, which still ends at its terminal), and
 * reads an episode backwards. The ongoing episode is not sampled until it ends.
 */
export interface EpisodicReplay {
  readonly capacity: number;
  readonly observationSize: number;
  /** Transitions stored. */
  readonly size: number;
  add(transition: Transition): void;
  /** Complete episodes in the memory, oldest first. */
  episodes(): StoredEpisode[];
  /** One episode, uniformly among the complete ones; undefined when none has ended yet. */
  sampleEpisode(rng: Rng): StoredEpisode | undefined;
  /** `count` slots uniformly among stored transitions (with replacement). */
  sampleTransitions(rng: Rng, count: number): Int32Array;
  /** Observations (or next observations) of `slots`, `slots.length · observationSize` values. */
  observations(slots: ArrayLike<number>, next?: boolean): Float32Array;
  action(slot: number): number;
  reward(slot: number): number;
  terminated(slot: number): boolean;
  /** The episode ended at this slot (terminated or truncated). */
  ended(slot: number): boolean;
  /** The episode's slots from its last transition back to its first. */
  backward(episode: StoredEpisode): Int32Array;
  getBuffers(): TrainerBuffers;
  setBuffers(buffers: TrainerBuffers): void;
  getCursor(): ReplayCursor;
  setCursor(cursor: ReplayCursor): void;
}

/** Builds an {@link EpisodicReplay}. */
export function createEpisodicReplay(options: EpisodicReplayOptions): EpisodicReplay {
  const { capacity, observationSize } = options;
  if (!Number.isInteger(capacity) || capacity < 1) throw new InvalidArgumentError('capacity', `capacity must be a positive integer, got ${capacity}`);
  if (!Number.isInteger(observationSize) || observationSize < 1) throw new InvalidArgumentError('observationSize', `observationSize must be a positive integer, got ${observationSize}`);
  const storage = options.storage ?? 'float32';
  const makeObservations = () => (storage === 'uint8' ? new Uint8Array(capacity * observationSize) : new Float32Array(capacity * observationSize));
  const buffers = {
    observation: makeObservations(),
    nextObservation: makeObservations(),
    action: new Int32Array(capacity),
    reward: new Float32Array(capacity),
    // 1 terminated, 2 truncated, 0 the episode goes on.
    end: new Uint8Array(capacity),
  };
  let cursor = 0;
  let size = 0;
  let added = 0;
  let cached: StoredEpisode[] | undefined;

  const write = (target: Float32Array | Uint8Array, slot: number, values: ArrayLike<number>) => {
    if (values.length !== observationSize) throw new InvalidArgumentError('observation', `an observation has ${observationSize} values in this replay memory, got ${values.length}`);
    const offset = slot * observationSize;
    if (storage === 'uint8') {
      for (let index = 0; index < observationSize; index += 1) target[offset + index] = Math.round(Math.min(1, Math.max(0, values[index])) * 255);
    } else {
      (target as Float32Array).set(values, offset);
    }
  };

  const replay: EpisodicReplay = {
    capacity,
    observationSize,
    get size() {
      return size;
    },
    add(transition) {
      if (!Number.isInteger(transition.action)) throw new InvalidArgumentError('action', `a stored action must be an integer, got ${transition.action}`);
      write(buffers.observation, cursor, transition.observation);
      write(buffers.nextObservation, cursor, transition.nextObservation);
      buffers.action[cursor] = transition.action;
      buffers.reward[cursor] = transition.reward;
      buffers.end[cursor] = transition.terminated ? 1 : transition.truncated ? 2 : 0;
      cursor = (cursor + 1) % capacity;
      size = Math.min(size + 1, capacity);
      added += 1;
      cached = undefined;
    },
    episodes() {
      if (cached) return cached;
      const episodes: StoredEpisode[] = [];
      const oldest = size < capacity ? 0 : cursor;
      let start = 0;
      for (let offset = 0; offset < size; offset += 1) {
        const slot = (oldest + offset) % capacity;
        if (buffers.end[slot] !== 0) {
          episodes.push({ slots: Int32Array.from({ length: offset - start + 1 }, (_, index) => (oldest + start + index) % capacity) });
          start = offset + 1;
        }
      }
      cached = episodes;
      return episodes;
    },
    sampleEpisode(rng) {
      const episodes = replay.episodes();
      return episodes.length === 0 ? undefined : episodes[rng.int(episodes.length)];
    },
    sampleTransitions(rng, count) {
      if (size === 0) throw new InvalidArgumentError('replay', 'the replay memory is empty');
      return Int32Array.from({ length: count }, () => rng.int(size));
    },
    observations(slots, next = false) {
      const source = next ? buffers.nextObservation : buffers.observation;
      const result = new Float32Array(slots.length * observationSize);
      for (let index = 0; index < slots.length; index += 1) {
        const offset = slots[index] * observationSize;
        if (storage === 'uint8') {
          for (let value = 0; value < observationSize; value += 1) result[index * observationSize + value] = source[offset + value] / 255;
        } else {
          result.set((source as Float32Array).subarray(offset, offset + observationSize), index * observationSize);
        }
      }
      return result;
    },
    action: (slot) => buffers.action[slot],
    reward: (slot) => buffers.reward[slot],
    terminated: (slot) => buffers.end[slot] === 1,
    ended: (slot) => buffers.end[slot] !== 0,
    backward: (episode) => Int32Array.from(episode.slots).reverse(),
    getBuffers: () => ({ ...buffers }),
    setBuffers(saved) {
      for (const name of Object.keys(buffers) as Array<keyof typeof buffers>) {
        const array = saved[name];
        if (array === undefined || array.length !== buffers[name].length || array.constructor !== buffers[name].constructor) {
          throw new InvalidArgumentError('buffers', `the saved replay memory's "${name}" does not match this memory (capacity ${capacity}, observation size ${observationSize}, ${storage}); resume with the config that wrote it`);
        }
        (buffers[name] as Uint8Array).set(array as Uint8Array);
      }
      cached = undefined;
    },
    getCursor: () => ({ cursor, size, added }),
    setCursor(saved) {
      ({ cursor, size, added } = saved);
      cached = undefined;
    },
  };
  return replay;
}
