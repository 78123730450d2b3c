export { BackendUnavailableError } from './backend-errors';
export type { BackendUnavailableErrorOptions } from './backend-errors';
export { selectBackend } from './backend-select';
export type { BackendInfo, BackendPreference, SelectBackendOptions, ThreadCount } from './backend-select';
export { registerWasmTrainingKernels, wasmTrainingKernelNames } from './wasm-kernels';
