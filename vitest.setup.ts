import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

// Tests that use WebAssembly run its single-threaded build in-process (the default, pinned here against
// a CORE_THREADS in the environment): several test workers share the cores, and one file may start the
// backend for the whole worker. The threaded build has its own tests, in child processes
// (threaded-wasm.test.ts).
process.env.CORE_THREADS = '1';

// Tests run on the pure-JS backend: deterministic, and never need the native one.
beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});
