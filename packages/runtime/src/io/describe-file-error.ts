import path from 'node:path';
import { FileSystemError } from '../errors';

/** An error the operating system reported for a file operation (`ENOSPC`, `EACCES`, …). */
export interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** True for an error of a file operation that carries the operating system's code. */
export function isSystemError(error: unknown): error is SystemError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof (error as { syscall?: unknown }).syscall === 'string' && !FileSystemError.isInstance(error);
}

interface Kind {
  code: string;
  reason: string;
  /** What to do, before "then continue with: …". */
  advice: (directory: string, writing: boolean) => string;
}

const kinds: Record<string, Kind> = {
  ENOSPC: { code: 'E_NO_SPACE', reason: 'no space left on the device', advice: () => 'Free some space on that device' },
  EDQUOT: { code: 'E_NO_SPACE', reason: 'the disk quota is used up', advice: () => 'Free some space (or raise the quota)' },
  EFBIG: { code: 'E_NO_SPACE', reason: 'the file is larger than the file system allows', advice: () => 'Move the run to a file system that takes larger files' },
  EROFS: {
    code: 'E_READ_ONLY',
    reason: 'the file system is read-only',
    advice: () => 'Make it writable (remount it, or copy the run directory to a writable disk and use that copy)',
  },
  EACCES: {
    code: 'E_NO_PERMISSION',
    reason: 'permission denied',
    advice: (directory, writing) => `Give this user ${writing ? 'write' : 'read'} access to ${directory}`,
  },
  EPERM: {
    code: 'E_NO_PERMISSION',
    reason: 'operation not permitted',
    advice: (directory, writing) => `Give this user ${writing ? 'write' : 'read'} access to ${directory}`,
  },
  ENOENT: { code: 'E_FILE_MISSING', reason: 'it does not exist', advice: () => 'Restore it from a copy' },
  ENOTDIR: { code: 'E_FILE_MISSING', reason: 'a part of the path is not a directory', advice: () => 'Check the path' },
  EISDIR: { code: 'E_IO', reason: 'it is a directory, not a file', advice: () => 'Move the directory out of the way' },
  EEXIST: { code: 'E_IO', reason: 'something else is in the way', advice: () => 'Move it out of the way' },
  ENOTEMPTY: { code: 'E_IO', reason: 'a directory is in the way', advice: () => 'Move it out of the way' },
  EMFILE: { code: 'E_IO', reason: 'too many open files', advice: () => 'Raise the open-file limit (ulimit -n) or stop other programs' },
  ENFILE: { code: 'E_IO', reason: 'too many open files on this system', advice: () => 'Stop other programs or raise the system limit' },
  EIO: { code: 'E_IO', reason: 'the device reported an input/output error', advice: () => 'Check the disk (dmesg, its health)' },
  EBUSY: { code: 'E_IO', reason: 'the file or device is busy', advice: () => 'Wait for the program using it to finish' },
  ETIMEDOUT: { code: 'E_IO', reason: 'the storage did not answer in time', advice: () => 'Check the network file system' },
  ESTALE: { code: 'E_IO', reason: 'the network file handle went stale', advice: () => 'Check the network file system' },
};

const writingCalls = new Set(['open', 'write', 'writev', 'fsync', 'ftruncate', 'mkdir', 'mkdtemp', 'rename', 'rm', 'rmdir', 'unlink', 'link', 'symlink', 'copyfile', 'utime', 'chmod', 'close']);

function verbOf(syscall: string | undefined, writing: boolean): string {
  switch (syscall) {
    case 'mkdir':
    case 'mkdtemp':
      return 'create the directory';
    case 'rename':
      return 'rename';
    case 'rm':
    case 'rmdir':
    case 'unlink':
      return 'remove';
    case 'scandir':
    case 'opendir':
      return 'list';
    default:
      return writing ? 'write' : 'read';
  }
}

/** Options of {@link describeFileSystemError}. */
export interface DescribeFileErrorOptions {
  /** The file the operation was about, when the error does not name it (a write on an open file). */
  path?: string;
  /** Whether the operation wrote; default: from the system call. */
  writing?: boolean;
  /** What to run once the cause is fixed, e.g. `core-run resume runs/quickstart-…`. */
  next?: string;
  /** A sentence added before the advice, e.g. that earlier results are intact. */
  note?: string;
}

/**
 * Turns an error of a file operation into a one-line {@link FileSystemError} that names the file,
 * says what happened in words and what to do (free space, fix permissions, …, then `next`).
 * A {@link FileSystemError} is described again when `next` or `note` is given (else returned as it
 * is); any other error is returned unchanged.
 *
 * Codes: `E_NO_SPACE` (ENOSPC, EDQUOT, EFBIG), `E_READ_ONLY` (EROFS), `E_NO_PERMISSION` (EACCES,
 * EPERM), `E_FILE_MISSING` (ENOENT, ENOTDIR), `E_IO` (anything else).
 */
export function describeFileSystemError(error: unknown, options: DescribeFileErrorOptions = {}): unknown {
  let system: SystemError;
  let file: string;
  if (FileSystemError.isInstance(error)) {
    if (!isSystemError(error.cause) || (options.next === undefined && options.note === undefined)) return error;
    system = error.cause;
    file = error.path;
  } else if (isSystemError(error)) {
    system = error;
    file = options.path ?? system.path ?? '(unknown file)';
  } else {
    return error;
  }
  const kind = kinds[system.code] ?? { code: 'E_IO', reason: system.message.replace(/^[A-Z0-9]+: /, '').split(',')[0], advice: () => 'Fix the cause' };
  const writing = options.writing ?? writingCalls.has(system.syscall ?? '');
  const target = system.syscall === 'rename' && system.dest && file === system.path ? `${file} to ${system.dest}` : file;
  const directory = path.dirname(file);
  const advice = kind.advice(directory, writing);
  const message =
    `cannot ${verbOf(system.syscall, writing)} ${target}: ${kind.reason} (${system.code}).` +
    (options.note ? ` ${options.note}` : '') +
    ` ${advice}${options.next ? `, then continue with: ${options.next}` : ', then try again'}.`;
  return new FileSystemError(kind.code, file, system.code, message, { cause: system });
}
