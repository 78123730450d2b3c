import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { describeFileSystemError } from './describe-file-error';

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * partial file, even if the process dies mid-write: the data goes to a temporary file in the same
 * directory (rename is only atomic within one file system), is flushed to disk with fsync, and is
 * then renamed over the target. The directory is fsynced afterwards so the rename itself survives a
 * power loss (skipped where directories cannot be opened, e.g. on Windows). Creates missing parent
 * directories.
 *
 * @param filePath Target file.
 * @param data Text (written as UTF-8) or bytes.
 */
export async function atomicWriteFile(filePath: string, data: string | Uint8Array): Promise<void> {
  const directory = path.dirname(filePath);
  await mkdir(directory, { recursive: true }).catch((error: unknown) => {
    throw describeFileSystemError(error, { writing: true });
  });
  const temporary = path.join(directory, `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, filePath);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw describeFileSystemError(error, { path: filePath, writing: true });
  }
  await syncDirectory(directory);
}

/**
 * Flushes a directory's entries (renames, new files) to disk. Best effort: skipped where
 * directories cannot be opened (Windows).
 */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch {
    // Not supported on every platform; the file data itself is already durable.
  } finally {
    await handle?.close();
  }
}
