export { activateWasmTraining } from './activate-wasm-training';
export type { ActivateWasmTrainingOptions, WasmTrainingActivation } from './activate-wasm-training';
export { maxWasmThreads } from './threaded-wasm';
export { registerWasmTrainingKernels, wasmTrainingKernelNames } from './wasm-kernels';
export { WasmTrainingError } from './wasm-training-error';
export type { WasmTrainingErrorCode, WasmTrainingErrorOptions } from './wasm-training-error';
