const coreMarker = Symbol.for('core.error');

/** Options shared by every {@link CoreError}. */
export interface CoreErrorOptions {
  cause?: unknown;
}

/**
 * Base class of every error the toolkit throws. Identify errors with
 * `CoreError.isInstance(error)` or `XError.isInstance(error)`, never `instanceof`:
 * an ESM and a CJS copy of this package may both be loaded.
 */
export class CoreError extends Error {
  /** Stable machine-readable code, e.g. `E_CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options: CoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CoreError';
    this.code = code;
    Object.defineProperty(this, coreMarker, { value: true });
  }

  static isInstance(error: unknown): error is CoreError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[coreMarker] === true;
  }
}

function marked<T extends object>(instance: T, name: string): T {
  Object.defineProperty(instance, Symbol.for(`core.error.${name}`), { value: true });
  return instance;
}

function hasMarker(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[Symbol.for(`core.error.${name}`)] === true;
}

/** One problem found while validating a config. */
export interface ConfigIssue {
  /** Dotted path into the config, e.g. `steps[1].loss[0].use`. */
  path: string;
  /** What is wrong and what is allowed. */
  message: string;
}

/** A config failed validation; `issues` lists every problem found, not just the first. */
export class ConfigError extends CoreError {
  readonly issues: readonly ConfigIssue[];
  readonly source?: string;
  constructor(issues: readonly ConfigIssue[], options: CoreErrorOptions & { source?: string } = {}) {
    const header = `${options.source ?? 'config'}: ${issues.length} problem${issues.length === 1 ? '' : 's'} found`;
    super('E_CONFIG_INVALID', [header, ...issues.map((issue) => `  ${issue.path || '(root)'}: ${issue.message}`)].join('\n'), options);
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = options.source;
    marked(this, 'ConfigError');
  }
  static override isInstance(error: unknown): error is ConfigError {
    return hasMarker(error, 'ConfigError');
  }
}

/** A config or code asked for a component key that no loaded plugin registers. */
export class UnknownComponentError extends CoreError {
  readonly kind: string;
  readonly key: string;
  readonly availableKeys: readonly string[];
  constructor(kind: string, key: string, availableKeys: readonly string[], message?: string) {
    super('E_UNKNOWN_COMPONENT', message ?? `unknown ${kind} "${key}". Loaded ${kind}s: ${availableKeys.join(', ') || '(none)'}.`);
    this.name = 'UnknownComponentError';
    this.kind = kind;
    this.key = key;
    this.availableKeys = availableKeys;
    marked(this, 'UnknownComponentError');
  }
  static override isInstance(error: unknown): error is UnknownComponentError {
    return hasMarker(error, 'UnknownComponentError');
  }
}

/** A plugin declares a runtime range this runtime does not satisfy, or cannot be loaded. */
export class PluginIncompatibleError extends CoreError {
  readonly plugin: string;
  constructor(plugin: string, message: string, options: CoreErrorOptions = {}) {
    super('E_PLUGIN_INCOMPATIBLE', message, options);
    this.name = 'PluginIncompatibleError';
    this.plugin = plugin;
    marked(this, 'PluginIncompatibleError');
  }
  static override isInstance(error: unknown): error is PluginIncompatibleError {
    return hasMarker(error, 'PluginIncompatibleError');
  }
}

/** A checkpoint is missing, corrupt, or does not match the model or config it is loaded into. */
export class CheckpointError extends CoreError {
  readonly path: string;
  constructor(path: string, message: string, options: CoreErrorOptions = {}) {
    super('E_CHECKPOINT_MISMATCH', message, options);
    this.name = 'CheckpointError';
    this.path = path;
    marked(this, 'CheckpointError');
  }
  static override isInstance(error: unknown): error is CheckpointError {
    return hasMarker(error, 'CheckpointError');
  }
}

/** Training diverged: a loss or metric became NaN or infinite. The last good checkpoint is kept. */
export class NonFiniteLossError extends CoreError {
  readonly step: number;
  readonly epoch: number;
  constructor(message: string, details: { step: number; epoch: number }) {
    super('E_NON_FINITE_LOSS', message);
    this.name = 'NonFiniteLossError';
    this.step = details.step;
    this.epoch = details.epoch;
    marked(this, 'NonFiniteLossError');
  }
  static override isInstance(error: unknown): error is NonFiniteLossError {
    return hasMarker(error, 'NonFiniteLossError');
  }
}

/** A run was stopped (Ctrl-C or an abort signal) after writing a checkpoint. */
export class RunInterruptedError extends CoreError {
  readonly runDirectory?: string;
  constructor(message: string, runDirectory?: string) {
    super('E_RUN_INTERRUPTED', message);
    this.name = 'RunInterruptedError';
    this.runDirectory = runDirectory;
    marked(this, 'RunInterruptedError');
  }
  static override isInstance(error: unknown): error is RunInterruptedError {
    return hasMarker(error, 'RunInterruptedError');
  }
}

/** A step needs an artifact (model, dataset, architecture) that no earlier step produced. */
export class ArtifactError extends CoreError {
  readonly artifact: string;
  constructor(artifact: string, message: string) {
    super('E_ARTIFACT', message);
    this.name = 'ArtifactError';
    this.artifact = artifact;
    marked(this, 'ArtifactError');
  }
  static override isInstance(error: unknown): error is ArtifactError {
    return hasMarker(error, 'ArtifactError');
  }
}

/** Wrong arguments to a public function (shapes, ranges). */
export class InvalidArgumentError extends CoreError {
  readonly argument: string;
  constructor(argument: string, message: string) {
    super('E_INVALID_ARGUMENT', message);
    this.name = 'InvalidArgumentError';
    this.argument = argument;
    marked(this, 'InvalidArgumentError');
  }
  static override isInstance(error: unknown): error is InvalidArgumentError {
    return hasMarker(error, 'InvalidArgumentError');
  }
}

/**
 * A file operation failed: the device is full, the file system is read-only, permission is
 * missing, a file is missing, or the device reported an error. `path` names the file, `systemCode`
 * the operating system's code (`ENOSPC`, `EROFS`, `EACCES`, …). The message says what to do.
 */
export class FileSystemError extends CoreError {
  readonly path: string;
  readonly systemCode: string;
  constructor(code: string, path: string, systemCode: string, message: string, options: CoreErrorOptions = {}) {
    super(code, message, options);
    this.name = 'FileSystemError';
    this.path = path;
    this.systemCode = systemCode;
    marked(this, 'FileSystemError');
  }
  static override isInstance(error: unknown): error is FileSystemError {
    return hasMarker(error, 'FileSystemError');
  }
}

/** Who holds a run directory's lock, as recorded in its `run.lock`. */
export interface RunLockHolder {
  pid: number;
  host: string;
  command?: string;
  started?: string;
}

/** Another process is running or resuming this run directory; only one may write to it. */
export class RunLockedError extends CoreError {
  readonly runDirectory: string;
  readonly holder: RunLockHolder;
  constructor(runDirectory: string, holder: RunLockHolder, message: string) {
    super('E_RUN_LOCKED', message);
    this.name = 'RunLockedError';
    this.runDirectory = runDirectory;
    this.holder = holder;
    marked(this, 'RunLockedError');
  }
  static override isInstance(error: unknown): error is RunLockedError {
    return hasMarker(error, 'RunLockedError');
  }
}

/**
 * Training diverged while its numbers stayed finite: a watched metric passed the divergence bound
 * (an absolute threshold, or a factor over its best epoch). The step stops without writing the
 * diverged state; `checkpoint` is the directory of the last good checkpoint, if one was written.
 */
export class DivergenceError extends CoreError {
  readonly metric: string;
  readonly value: number;
  readonly limit: number;
  readonly step: number;
  readonly epoch: number;
  readonly checkpoint?: string;
  constructor(message: string, details: { metric: string; value: number; limit: number; step: number; epoch: number; checkpoint?: string }) {
    super('E_DIVERGED', message);
    this.name = 'DivergenceError';
    this.metric = details.metric;
    this.value = details.value;
    this.limit = details.limit;
    this.step = details.step;
    this.epoch = details.epoch;
    this.checkpoint = details.checkpoint;
    marked(this, 'DivergenceError');
  }
  static override isInstance(error: unknown): error is DivergenceError {
    return hasMarker(error, 'DivergenceError');
  }
}

/** A run directory's own file (`run.json`, `config.resolved.json`) is missing or damaged; `path` names it. */
export class RunFileError extends CoreError {
  readonly path: string;
  constructor(path: string, message: string, options: CoreErrorOptions = {}) {
    super('E_RUN_DAMAGED', message, options);
    this.name = 'RunFileError';
    this.path = path;
    marked(this, 'RunFileError');
  }
  static override isInstance(error: unknown): error is RunFileError {
    return hasMarker(error, 'RunFileError');
  }
}
