const marker = 'core.error.BackendUnavailableError';
const symbol = Symbol.for(marker);

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
 * The message says how to make it available. Identify it with {@link BackendUnavailableError.isInstance},
 * which also works across copies of this package.
 */
export class BackendUnavailableError extends Error {
  private readonly [symbol] = true;

  /** Stable code for tooling. */
  readonly code = 'E_BACKEND_UNAVAILABLE';

  /** The backend that was asked for. */
  readonly backend: string;

  constructor({ backend, message, cause }: BackendUnavailableErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'BackendUnavailableError';
    this.backend = backend;
  }

  /** Whether `error` is a {@link BackendUnavailableError}, by its `Symbol.for('core.error.BackendUnavailableError')` marker. */
  static isInstance(error: unknown): error is BackendUnavailableError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[symbol] === true;
  }
}
