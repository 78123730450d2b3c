const coreMarker = Symbol.for('core.error');
const symbol = Symbol.for('core.error.WasmTrainingError');

/** Stable codes of a {@link WasmTrainingError}; the same codes `@core/runtime` uses for the same failures. */
export type WasmTrainingErrorCode = 'E_BACKEND_UNAVAILABLE' | 'E_INVALID_ARGUMENT';

/**
 * What each code also is in `@core/runtime`'s error classes: an error from this package answers their
 * `isInstance` too, so code that catches `BackendUnavailableError` or `InvalidArgumentError` around these
 * functions keeps working now that they live here. Markers, not imports: this package does not depend on
 * the runtime.
 */
const runtimeClassNames: Record<WasmTrainingErrorCode, string> = {
  E_BACKEND_UNAVAILABLE: 'BackendUnavailableError',
  E_INVALID_ARGUMENT: 'InvalidArgumentError',
};

/** Options of {@link WasmTrainingError}. */
export interface WasmTrainingErrorOptions {
  /** `E_BACKEND_UNAVAILABLE`: tfjs-backend-wasm is missing or did not start. `E_INVALID_ARGUMENT`: a wrong argument. */
  code: WasmTrainingErrorCode;
  /** What went wrong and what to do next. */
  message: string;
  /** For `E_INVALID_ARGUMENT`: the argument that is wrong. */
  argument?: string;
  /** The error that caused this one. */
  cause?: unknown;
}

/**
 * The error this package throws. Identify it with {@link WasmTrainingError.isInstance} (by its
 * `Symbol.for('core.error.WasmTrainingError')` marker, which works across the ESM and CJS builds) and by its
 * stable `code`. It carries the toolkit's `Symbol.for('core.error')` marker, so `CoreError.isInstance` of
 * `@core/runtime` recognises it, and the marker of the runtime class its code stands for
 * (`BackendUnavailableError` with `backend: 'wasm'`, `InvalidArgumentError` with `argument`).
 */
export class WasmTrainingError extends Error {
  /** Stable machine-readable code. */
  readonly code: WasmTrainingErrorCode;
  /** For `E_BACKEND_UNAVAILABLE`: the backend, always `wasm`. */
  readonly backend?: string;
  /** For `E_INVALID_ARGUMENT`: the argument that is wrong. */
  readonly argument?: string;

  constructor({ code, message, argument, cause }: WasmTrainingErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'WasmTrainingError';
    this.code = code;
    if (code === 'E_BACKEND_UNAVAILABLE') {
      this.backend = 'wasm';
    }
    if (argument !== undefined) {
      this.argument = argument;
    }
    Object.defineProperty(this, coreMarker, { value: true });
    Object.defineProperty(this, symbol, { value: true });
    Object.defineProperty(this, Symbol.for(`core.error.${runtimeClassNames[code]}`), { value: true });
  }

  /** Whether `error` is a {@link WasmTrainingError}, from any copy of this package. */
  static isInstance(error: unknown): error is WasmTrainingError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true;
  }
}
