import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { CheckpointError, InvalidArgumentError } from '../errors';
import { describeZodIssues } from '../zod-issues';
import { atomicWriteFile, syncDirectory } from './atomic-write';

/** Identifies manifests written by {@link writeWeights}. */
const weightsFormat = 'core-weights';
/** Version of the manifest layout; bumped on any incompatible change. */
const weightsFormatVersion = 1;

/** Bytes per element of the dtypes a weights file stores (`uint8` and `float64` for raw arrays only). */
const bytesPerElement = { float32: 4, int32: 4, bool: 1, uint8: 1, float64: 8 } as const;
type StoredDtype = keyof typeof bytesPerElement;
/** Dtypes of tensors in a weights file. */
const tensorDtypes = new Set<string>(['float32', 'int32', 'bool']);

const weightEntrySchema = z.strictObject({
  name: z.string().min(1),
  shape: z.array(z.int().nonnegative()),
  dtype: z.enum(['float32', 'int32', 'bool', 'uint8', 'float64']),
  offset: z.int().nonnegative(),
  byteLength: z.int().nonnegative(),
});

const manifestSchema = z.strictObject({
  format: z.literal(weightsFormat),
  version: z.literal(weightsFormatVersion),
  dataFile: z.string().min(1),
  byteLength: z.int().nonnegative(),
  endianness: z.literal('little'),
  checksum: z.strictObject({ algorithm: z.literal('sha256'), value: z.string().regex(/^[0-9a-f]{64}$/) }),
  weights: z.array(weightEntrySchema),
});

/** One tensor's entry in a weights manifest. */
export type WeightsManifestEntry = z.infer<typeof weightEntrySchema>;

/**
 * The JSON manifest `<basename>.json` written by {@link writeWeights}: where each tensor lies in
 * `<basename>.bin` (byte offset and length, little-endian), and a SHA-256 of the whole bin so a
 * truncated, corrupt or mismatched data file is detected on read.
 */
export type WeightsManifest = z.infer<typeof manifestSchema>;

/** One array of a weights file: its name, shape, dtype and raw bytes. */
interface StoredArray {
  name: string;
  shape: number[];
  dtype: StoredDtype;
  bytes: Uint8Array;
}

async function writeArrayFile(directory: string, basename: string, arrays: StoredArray[]): Promise<void> {
  const entries: WeightsManifestEntry[] = [];
  let offset = 0;
  for (const array of arrays) {
    entries.push({ name: array.name, shape: array.shape, dtype: array.dtype, offset, byteLength: array.bytes.byteLength });
    offset += array.bytes.byteLength;
  }
  const data = Buffer.concat(arrays.map((array) => array.bytes), offset);
  const manifest: WeightsManifest = {
    format: weightsFormat,
    version: weightsFormatVersion,
    dataFile: `${basename}.bin`,
    byteLength: data.byteLength,
    endianness: 'little',
    checksum: { algorithm: 'sha256', value: sha256(data) },
    weights: entries,
  };
  await mkdir(directory, { recursive: true });
  await atomicWriteFile(path.join(directory, manifest.dataFile), data);
  await atomicWriteFile(path.join(directory, `${basename}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
}

function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
}

/**
 * Saves named tensors as `<directory>/<basename>.json` (manifest: names, shapes, dtypes, byte offsets,
 * checksum) and `<directory>/<basename>.bin` (raw little-endian data, concatenated in map order).
 * Both files are written atomically, data first, so an interrupted save leaves either the previous
 * pair or a manifest whose checksum rejects the new data. Creates the directory if needed.
 *
 * Stores `float32`, `int32` and `bool` tensors; any other dtype throws {@link InvalidArgumentError}.
 * The tensors are only read, never disposed.
 */
export async function writeWeights(directory: string, basename: string, weights: tf.NamedTensorMap): Promise<void> {
  const arrays: StoredArray[] = [];
  for (const [name, tensor] of Object.entries(weights)) {
    if (!tensorDtypes.has(tensor.dtype)) {
      throw new InvalidArgumentError('weights', `tensor "${name}" has dtype ${tensor.dtype}; weights files store float32, int32 and bool.`);
    }
    arrays.push({ name, shape: [...tensor.shape], dtype: tensor.dtype as StoredDtype, bytes: bytesOf(await tensor.data()) });
  }
  await writeArrayFile(directory, basename, arrays);
}

/** Typed arrays {@link writeArrays} stores. */
export type StoredTypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;

function dtypeOf(name: string, values: StoredTypedArray): StoredDtype {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'uint8';
  if (values instanceof Float64Array) return 'float64';
  throw new InvalidArgumentError('arrays', `array "${name}" is a ${(values as object)?.constructor?.name ?? typeof values}; store Float32Array, Int32Array, Uint8Array or Float64Array.`);
}

/**
 * Saves named typed arrays (a replay memory, a generated data set) in the format of
 * {@link writeWeights}: a manifest with a SHA-256 checksum and a raw little-endian data file, both
 * written atomically. The arrays are only read.
 */
export async function writeArrays(directory: string, basename: string, arrays: Readonly<Record<string, StoredTypedArray>>): Promise<void> {
  await writeArrayFile(
    directory,
    basename,
    Object.entries(arrays).map(([name, values]) => ({ name, shape: [values.length], dtype: dtypeOf(name, values), bytes: bytesOf(values) })),
  );
}

/**
 * Reads arrays written by {@link writeArrays}, each as a fresh typed array of the stored dtype.
 * Throws {@link CheckpointError} like {@link readWeights} for a missing, truncated or corrupt file.
 */
export async function readArrays(directory: string, basename: string): Promise<Record<string, StoredTypedArray>> {
  const arrays: Record<string, StoredTypedArray> = {};
  for (const entry of await readArrayFile(directory, basename)) {
    arrays[entry.name] =
      entry.dtype === 'float32'
        ? new Float32Array(entry.buffer)
        : entry.dtype === 'int32'
          ? new Int32Array(entry.buffer)
          : entry.dtype === 'float64'
            ? new Float64Array(entry.buffer)
            : new Uint8Array(entry.buffer);
  }
  return arrays;
}

/**
 * Reads tensors written by {@link writeWeights}. The caller owns (and must dispose) the returned
 * tensors.
 *
 * Throws {@link CheckpointError} (with the offending file as `path`) when the manifest or data file
 * is missing, the manifest is not valid JSON or not a weights manifest, or the data file is truncated
 * or corrupt (length or SHA-256 mismatch).
 */
export async function readWeights(directory: string, basename: string): Promise<tf.NamedTensorMap> {
  const weights: tf.NamedTensorMap = {};
  for (const entry of await readArrayFile(directory, basename)) {
    if (!tensorDtypes.has(entry.dtype)) {
      throw new CheckpointError(path.join(directory, `${basename}.json`), `"${entry.name}" in ${path.join(directory, `${basename}.json`)} has dtype ${entry.dtype}, which is not a tensor dtype; this file holds raw arrays (readArrays), not weights.`);
    }
    const values = entry.dtype === 'float32' ? new Float32Array(entry.buffer) : entry.dtype === 'int32' ? new Int32Array(entry.buffer) : new Uint8Array(entry.buffer);
    weights[entry.name] = tf.tensor(values, entry.shape, entry.dtype as 'float32' | 'int32' | 'bool');
  }
  return weights;
}

/** Reads and checks a manifest and its data file; returns each entry with a fresh, aligned copy of its bytes. */
async function readArrayFile(directory: string, basename: string): Promise<Array<WeightsManifestEntry & { buffer: ArrayBuffer }>> {
  const manifestPath = path.join(directory, `${basename}.json`);
  const manifest = parseManifest(await readExisting(manifestPath, 'weights manifest'), manifestPath);
  const dataPath = path.join(directory, manifest.dataFile);
  const data = await readExisting(dataPath, 'weights data file');
  if (data.byteLength !== manifest.byteLength) {
    throw new CheckpointError(
      dataPath,
      `weights data file ${dataPath} is ${data.byteLength} bytes but its manifest ${manifestPath} expects ${manifest.byteLength}; the file is truncated or belongs to another save. Restore it or use an earlier checkpoint.`,
    );
  }
  if (sha256(data) !== manifest.checksum.value) {
    throw new CheckpointError(
      dataPath,
      `weights data file ${dataPath} does not match the checksum in ${manifestPath}; the file is corrupt or belongs to another save. Restore it or use an earlier checkpoint.`,
    );
  }
  return manifest.weights.map((entry) => {
    const bytes = data.subarray(entry.offset, entry.offset + entry.byteLength);
    // Copied into a fresh, aligned buffer: typed arrays need element-aligned offsets.
    return { ...entry, buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer };
  });
}

async function readExisting(filePath: string, what: string): Promise<Buffer> {
  try {
    return await readFile(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CheckpointError(filePath, `missing ${what} ${filePath}; was the save interrupted or the directory moved?`, { cause: error });
    }
    throw new CheckpointError(filePath, `cannot read ${what} ${filePath}: ${(error as Error).message}`, { cause: error });
  }
}

function parseManifest(text: Buffer, manifestPath: string): WeightsManifest {
  let json: unknown;
  try {
    json = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new CheckpointError(manifestPath, `weights manifest ${manifestPath} is not valid JSON (${(error as Error).message}); the file is corrupt.`, { cause: error });
  }
  const result = manifestSchema.safeParse(json);
  if (!result.success) {
    const issues = describeZodIssues(result.error, manifestSchema, json)
      .map((issue) => `${issue.path || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new CheckpointError(manifestPath, `${manifestPath} is not a valid weights manifest (format "${weightsFormat}" version ${weightsFormatVersion}): ${issues}.`);
  }
  const manifest = result.data;
  const problems: string[] = [];
  const names = new Set<string>();
  for (const entry of manifest.weights) {
    if (names.has(entry.name)) problems.push(`"${entry.name}" is listed twice`);
    names.add(entry.name);
    const expected = entry.shape.reduce((product, dimension) => product * dimension, 1) * bytesPerElement[entry.dtype];
    if (entry.byteLength !== expected) problems.push(`"${entry.name}" has ${entry.byteLength} bytes, but ${entry.dtype} [${entry.shape.join(', ')}] needs ${expected}`);
    if (entry.offset + entry.byteLength > manifest.byteLength) problems.push(`"${entry.name}" ends at byte ${entry.offset + entry.byteLength}, past the data's ${manifest.byteLength} bytes`);
  }
  if (path.basename(manifest.dataFile) !== manifest.dataFile) problems.push(`dataFile "${manifest.dataFile}" must be a file name in the same directory`);
  if (problems.length > 0) {
    throw new CheckpointError(manifestPath, `weights manifest ${manifestPath} is inconsistent: ${problems.join('; ')}.`);
  }
  return manifest;
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Where {@link replaceWeightsDirectory} keeps the previous directory while it swaps in the new one. */
function previousOf(directory: string): string {
  return `${directory}.prev`;
}

async function exists(target: string): Promise<boolean> {
  try {
    await access(target);
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces the weights in `directory` (a directory that holds only them, such as a stage's `best/`)
 * without a moment where neither the old nor the new weights are whole: the new pair is written to a
 * fresh `<directory>.tmp-<pid>`, the old directory is renamed to `<directory>.prev`, the new one is
 * renamed into place, and only then is `.prev` removed. A crash at any point leaves the old weights
 * in `directory` or in `.prev`, and the new ones complete or absent; {@link readKeptWeights} reads
 * whichever is whole. A failed write (a full disk, a bad dtype) leaves the old weights untouched.
 */
export async function replaceWeightsDirectory(directory: string, basename: string, weights: tf.NamedTensorMap): Promise<void> {
  const temporary = `${directory}.tmp-${process.pid}`;
  const previous = previousOf(directory);
  await rm(temporary, { recursive: true, force: true });
  try {
    await writeWeights(temporary, basename, weights);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  if (await exists(directory)) {
    // A `.prev` left by an earlier crash is older than `directory`, which is whole: drop it first.
    await rm(previous, { recursive: true, force: true });
    await rename(directory, previous);
  }
  await rename(temporary, directory);
  await syncDirectory(path.dirname(directory));
  await rm(previous, { recursive: true, force: true });
}

/**
 * Reads weights saved by {@link replaceWeightsDirectory}: from `directory`, or, when that is missing
 * or damaged (a crash in the middle of a replacement), from `<directory>.prev`. Throws the
 * {@link CheckpointError} of `directory` when neither is readable.
 */
export async function readKeptWeights(directory: string, basename: string): Promise<tf.NamedTensorMap> {
  try {
    return await readWeights(directory, basename);
  } catch (error) {
    const previous = previousOf(directory);
    if (!CheckpointError.isInstance(error) || !(await exists(previous))) throw error;
    try {
      return await readWeights(previous, basename);
    } catch {
      throw error;
    }
  }
}
