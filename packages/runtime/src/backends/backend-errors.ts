import { CoreError } from '../errors';

const symbol = Symbol.for('core.error.BackendUnavailableError');

/** Options of {@link BackendUnavailableError}. */
export interface BackendUnavailableErrorOptions {
  /** The backend that was asked for: `tensorflow`, `wasm` or `cpu`. */
  backend: string;
  /** What went wrong and what to do next. */
  message: string;
  /** The error raised while loading or initialising the backend. */
  cause?: unknown;
}

/**
 * Thrown when a backend chosen explicitly (not `auto`) cannot be loaded or initialised.
 * The message says how to make it available. Identify it with {@link BackendUnavailableError.isInstance}
 * (or `CoreError.isInstance`), which also work across copies of this package.
 */
export class BackendUnavailableError extends CoreError {
  /** The backend that was asked for. */
  readonly backend: string;

  constructor({ backend, message, cause }: BackendUnavailableErrorOptions) {
    super('E_BACKEND_UNAVAILABLE', message, { cause });
    this.name = 'BackendUnavailableError';
    this.backend = backend;
    Object.defineProperty(this, symbol, { value: true });
  }

  /** Whether `error` is a {@link BackendUnavailableError}, by its `Symbol.for('core.error.BackendUnavailableError')` marker. */
  static override isInstance(error: unknown): error is BackendUnavailableError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true;
  }
}

/** The first line of an error's message (or the value as text), for a backend's fallback reasons. */
export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    return error.message.split('\n')[0];
  }
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
