/**
 * Errors thrown by the readers of this package. They follow the toolkit's error convention
 * (a stable `code`, a `Symbol.for` marker checked by `isInstance`) without depending on the
 * runtime package, and they also carry the runtime's generic `core.error` marker, so
 * `CoreError.isInstance(error)` recognises them too.
 */

const coreMarker = /* @__PURE__ */ Symbol.for('core.error');
const notFoundMarker = /* @__PURE__ */ Symbol.for('core.error.DataNotFoundError');
const formatMarker = /* @__PURE__ */ Symbol.for('core.error.DataFormatError');
const argumentMarker = /* @__PURE__ */ Symbol.for('core.error.InvalidArgumentError');

/** Options shared by the data errors. */
export interface DataErrorOptions {
  /** The underlying error, e.g. the `ENOENT` from `node:fs`. */
  cause?: unknown;
}

function mark(instance: Error, marker: symbol): void {
  // Non-enumerable so the markers do not show up when an error is logged or serialised.
  Object.defineProperty(instance, coreMarker, { value: true });
  Object.defineProperty(instance, marker, { value: true });
}

function hasMarker(error: unknown, marker: symbol): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
}

/**
 * A data file that a reader needs does not exist. `path` is the file that was looked for; the
 * message says where to get it.
 *
 * Identify it with `DataNotFoundError.isInstance(error)`, not `instanceof`: an ESM and a CJS copy
 * of this package may both be loaded in one process.
 */
export class DataNotFoundError extends Error {
  /** Stable machine-readable code. */
  readonly code = 'E_DATA_NOT_FOUND' as const;
  /** Absolute or caller-relative path of the missing file. */
  readonly path: string;

  constructor(path: string, message: string, options: DataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataNotFoundError';
    this.path = path;
    mark(this, notFoundMarker);
  }

  /** True for any {@link DataNotFoundError}, from whichever copy of this package it came. */
  static isInstance(error: unknown): error is DataNotFoundError {
    return hasMarker(error, notFoundMarker);
  }
}

/**
 * A data file exists but its content is not what the format promises: a wrong magic number, a
 * truncated or over-long file, a label out of range, malformed JSON.
 *
 * Identify it with `DataFormatError.isInstance(error)`, not `instanceof`.
 */
export class DataFormatError extends Error {
  /** Stable machine-readable code. */
  readonly code = 'E_DATA_FORMAT' as const;
  /** Path of the offending file. */
  readonly path: string;

  constructor(path: string, message: string, options: DataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataFormatError';
    this.path = path;
    mark(this, formatMarker);
  }

  /** True for any {@link DataFormatError}, from whichever copy of this package it came. */
  static isInstance(error: unknown): error is DataFormatError {
    return hasMarker(error, formatMarker);
  }
}

/**
 * A function of this package was called with an argument it cannot use (a negative count, a shape
 * that does not fit the data, a missing random source). It is a `RangeError` and carries the
 * runtime's `InvalidArgumentError` marker and code (`E_INVALID_ARGUMENT`), so
 * `InvalidArgumentError.isInstance(error)` and `CoreError.isInstance(error)` recognise it.
 */
export class DataArgumentError extends RangeError {
  /** Stable machine-readable code, the runtime's for invalid arguments. */
  readonly code = 'E_INVALID_ARGUMENT' as const;
  /** The argument at fault. */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(message);
    this.name = 'DataArgumentError';
    this.argument = argument;
    mark(this, argumentMarker);
  }

  /** True for any {@link DataArgumentError}, from whichever copy of this package it came. */
  static isInstance(error: unknown): error is DataArgumentError {
    return hasMarker(error, argumentMarker) && (error as { name?: string }).name === 'DataArgumentError';
  }
}

/** True for the `ENOENT` error `node:fs` raises for a missing file or directory. */
export function isMissingFileError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}
