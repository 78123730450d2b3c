import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateWasmTraining } from './activate-wasm-training';
import { loadSimdModule } from './simd-module';
import { FunctionBuilder, encodeModule, valueType } from './wasm-module-builder';

type WasmExports = Record<string, (...args: number[]) => number>;

/** The parts of the WebAssembly API the test uses (the package compiles without DOM types). */
const webAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: object) => { exports: WasmExports };
    };
  }
).WebAssembly;

function instantiate(functions: Record<string, FunctionBuilder>) {
  const memory = new webAssembly.Memory({ initial: 1 });
  const bytes = encodeModule({ functions, sharedMemory: false });
  const instance = new webAssembly.Instance(new webAssembly.Module(bytes), { env: { memory } });
  return { exports: instance.exports, floats: new Float32Array(memory.buffer), bytes };
}

describe('encodeModule and FunctionBuilder', () => {
  it('encodes constants of every LEB128 length and counted loops', () => {
    const { i32 } = valueType;
    // sum(count) = count · 300000 − 70000, by a loop adding 300000 per turn.
    const sum = new FunctionBuilder([i32], [i32]);
    const total = sum.addLocal(i32);
    sum.i32Const(-70000).localSet(total);
    sum.repeat(0, () => {
      sum.localGet(total).i32Const(300000).i32Add().localSet(total);
    });
    sum.localGet(total);
    const { exports } = instantiate({ sum });
    expect(exports.sum(0)).toBe(-70000);
    expect(exports.sum(-3)).toBe(-70000);
    expect(exports.sum(7)).toBe(7 * 300000 - 70000);
  });

  it('encodes SIMD loads, partial stores, arithmetic and bulk memory', () => {
    const { i32, f32 } = valueType;
    // scaled(source, destination, count, factor): destination[0..count) = source[0..count) · factor, 4 at a time,
    // then 3 lanes with partial loads and stores; the float after them stays untouched.
    const scaled = new FunctionBuilder([i32, i32, i32, f32]);
    const [source, destination, count, factor] = [0, 1, 2, 3];
    const value = scaled.addLocal(valueType.v128);
    scaled.repeat(count, () => {
      scaled.localGet(destination).localGet(source).v128Load().localGet(factor).f32x4Splat().f32x4Mul().v128Store();
      scaled.localGet(source).i32Const(16).i32Add().localSet(source);
      scaled.localGet(destination).i32Const(16).i32Add().localSet(destination);
    });
    scaled.localGet(source).localGet(source).v128Load64Zero().v128Load32Lane(8, 2).localSet(value);
    scaled.localGet(value).localGet(factor).f32x4Splat().f32x4Mul().localSet(value);
    scaled.localGet(destination).localGet(value).v128Store64Lane(0, 0);
    scaled.localGet(destination).localGet(value).v128Store32Lane(8, 2);
    const copy = new FunctionBuilder([i32, i32, i32]);
    copy.localGet(1).localGet(0).localGet(2).memoryCopy();
    copy.localGet(0).i32Const(0).i32Const(8).memoryFill();

    const { exports, floats } = instantiate({ scaled, copy });
    floats.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0);
    floats[100 + 11] = -1;
    exports.scaled(0, 400, 2, 0.5);
    expect(Array.from(floats.subarray(100, 112))).toEqual([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, -1]);
    exports.copy(0, 800, 12);
    expect(Array.from(floats.subarray(0, 3))).toEqual([0, 0, 3]);
    expect(Array.from(floats.subarray(200, 203))).toEqual([1, 2, 3]);
  });
});

describe('loadSimdModule', () => {
  it('returns undefined (once, then from its cache) for a backend without tfjs-backend-wasm memory', () => {
    const notWasm = {};
    const build = () => ({ nothing: new FunctionBuilder([]) });
    expect(loadSimdModule(notWasm, 'test', build)).toBeUndefined();
    expect(loadSimdModule(notWasm, 'test', () => {
      throw new Error('built twice');
    })).toBeUndefined();
  });
});

describe('SIMD modules on the wasm backend', () => {
  beforeAll(async () => {
    await activateWasmTraining(tf);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('load for the kernels that use them (no silent fallback to the compositions)', async () => {
    await tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 4]);
      const filter = tf.randomNormal([3, 3, 4, 8]);
      const loss = (input: tf.Tensor, weights: tf.Tensor) =>
        tf.avgPool(tf.conv2d(input as tf.Tensor4D, weights as tf.Tensor4D, 1, 'same'), 2, 2, 'valid').mean([0, 1, 2]).sum();
      tf.grads(loss)([x, filter]);
    });
    const backend = tf.engine().backend as unknown as Record<symbol, unknown>;
    for (const name of ['conv2dBackpropFilter', 'convolutionTile', 'pooling', 'channels']) {
      expect(backend[Symbol.for(`core.backends.simdModule.${name}`)], name).toBeTruthy();
    }
  });
});
