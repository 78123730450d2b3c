import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

// Tests run on the pure-JS backend: deterministic, and never need the native one.
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
