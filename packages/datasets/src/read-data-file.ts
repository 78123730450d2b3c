import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzip } from 'node:zlib';
import { DataFormatError, isMissingFileError } from './data-errors';

function gunzipAsync(bytes: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gunzip(bytes, (error, result) => (error === null ? resolve(result) : reject(error)));
  });
}

/**
 * The first of `names` (relative to `directory`) that exists, each tried as is and with `.gz`
 * appended, or `undefined` when none does.
 */
export async function findDataFile(directory: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    for (const candidate of [name, `${name}.gz`]) {
      const file = path.join(directory, candidate);
      try {
        await access(file);
        return file;
      } catch (error) {
        if (!isMissingFileError(error)) throw error;
      }
    }
  }
  return undefined;
}

/**
 * The bytes of a data file, decompressed when it is gzip (recognised by its magic bytes rather
 * than its name, since browsers and mirrors sometimes decompress but keep the `.gz` suffix).
 */
export async function readDataFile(file: string): Promise<Uint8Array> {
  const bytes = await readFile(file);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return await gunzipAsync(bytes);
    } catch (error) {
      throw new DataFormatError(file, `${file}: the gzip stream is corrupt or truncated (${(error as Error).message}). Download it again.`, {
        cause: error,
      });
    }
  }
  return bytes;
}
