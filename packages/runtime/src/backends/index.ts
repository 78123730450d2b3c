export { BackendUnavailableError } from './backend-errors';
export type { BackendUnavailableErrorOptions } from './backend-errors';
export { selectBackend } from './backend-select';
export type { BackendInfo, BackendPreference, SelectBackendOptions, ThreadCount } from './backend-select';
// Re-exported from the package that now holds them, so code importing them from @core/runtime keeps working.
export { registerWasmTrainingKernels, wasmTrainingKernelNames } from '@core/wasm-training';
