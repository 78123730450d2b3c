// Run by threaded-wasm.test.ts in a child process (`node --import tsx`), so that the threaded
// WebAssembly backend starts in a fresh process and the test can see whether that process exits by
// itself. Prints one JSON line.
import * as tf from '@tensorflow/tfjs';
import { activateWasmTraining } from '../activate-wasm-training';

const mode = process.argv[2] ?? 'train';

/** A small conv net's loss and gradients for fixed inputs and weights. */
function lossAndGradients(): { loss: number; gradients: number[] } {
  return tf.tidy(() => {
    const values = (size: number, seed: number) =>
      Array.from({ length: size }, (_, index) => Math.sin(seed * 7.1 + index * 0.37) * 0.5);
    const images = tf.tensor4d(values(8 * 12 * 12 * 3, 1), [8, 12, 12, 3]);
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    const filter = tf.tensor4d(values(3 * 3 * 3 * 16, 2), [3, 3, 3, 16]);
    const filter2 = tf.tensor4d(values(3 * 3 * 16 * 8, 3), [3, 3, 16, 8]);
    const dense = tf.tensor2d(values(6 * 6 * 8 * 4, 4), [6 * 6 * 8, 4]);
    const f = (w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor) => {
      const hidden = tf.relu(tf.conv2d(images, w1 as tf.Tensor4D, 1, 'same'));
      const strided = tf.relu(tf.conv2d(hidden, w2 as tf.Tensor4D, 2, 'same'));
      const logits = tf.matMul(tf.reshape(strided, [8, -1]), w3 as tf.Tensor2D);
      return tf.losses.softmaxCrossEntropy(labels, logits);
    };
    const { value, grads } = tf.valueAndGrads(f)([filter, filter2, dense]);
    return { loss: value.dataSync()[0], gradients: grads.flatMap((gradient) => Array.from(gradient.dataSync())) };
  });
}

async function main(): Promise<void> {
  if (mode === 'no-shared-memory') {
    // An engine without shared memory cannot run the threaded build.
    delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
  }
  // Each report names the backend tfjs then runs, beside what the activation returned.
  const activate = async (threads: number) => ({ ...(await activateWasmTraining(tf, { threads })), backend: tf.getBackend() });
  const first = await activate(mode === 'single' ? 1 : 2);
  const second = await activate(2);
  let restarted: typeof first | undefined;
  if (mode === 'restart') {
    tf.removeBackend('wasm');
    restarted = await activate(2);
  }
  const tensorsBefore = tf.memory().numTensors;
  const wasm = lossAndGradients();
  const leaked = tf.memory().numTensors - tensorsBefore;
  await tf.setBackend('cpu');
  const cpu = lossAndGradients();
  let maxRelativeError = 0;
  const scale = Math.max(...cpu.gradients.map(Math.abs));
  for (const [index, value] of cpu.gradients.entries()) {
    maxRelativeError = Math.max(maxRelativeError, Math.abs(value - wasm.gradients[index]) / scale);
  }
  process.stdout.write(
    `${JSON.stringify({ first, second, restarted, loss: wasm.loss, cpuLoss: cpu.loss, gradientChecksum: wasm.gradients.reduce((sum, value, index) => sum + value * ((index % 7) + 1), 0), maxRelativeError, leaked })}\n`,
  );
}

await main();
