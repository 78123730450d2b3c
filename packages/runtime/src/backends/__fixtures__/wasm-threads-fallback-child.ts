// Run by backend-select.test.ts in a child process (`node --import tsx`, with tsconfig.sources.json so that
// @core/wasm-training resolves to its sources): the threaded WebAssembly build can only be tried by the
// first start of the backend in a process. Prints selectBackend's report as one JSON line.
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend-select';

// An engine without shared memory cannot run the threaded build.
delete (globalThis as { SharedArrayBuffer?: unknown }).SharedArrayBuffer;
const info = await selectBackend('wasm', { tf, threads: 2 });
process.stdout.write(`${JSON.stringify(info)}\n`);
