import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, InvalidArgumentError } from '../errors';
import { atomicWriteFile } from './atomic-write';

/** File names of the standard tfjs LayersModel format, as `tfjs-node`'s `file://` handler writes them. */
const modelJsonFile = 'model.json';
const weightsBinFile = 'weights.bin';

/**
 * A tfjs IO handler that saves and loads a LayersModel in a directory, in the standard format
 * (`model.json` with `modelTopology` and `weightsManifest`, plus `weights.bin`), using `node:fs` and
 * no native backend. The files are interchangeable with those of `tfjs-node`'s `file://` handler and
 * `tensorflowjs_converter`.
 *
 * ```ts
 * await layersModel.save(fileSystemIO('run/export'));
 * const loaded = await tf.loadLayersModel(fileSystemIO('run/export'));
 * ```
 *
 * Saving creates the directory, writes `weights.bin` then `model.json`, each atomically (temporary
 * file, fsync, rename). Loading reads every path listed in the manifest, relative to the directory.
 * Missing or unreadable files throw {@link CheckpointError}.
 */
export function fileSystemIO(directory: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new InvalidArgumentError('artifacts', 'fileSystemIO saves LayersModels (JSON topology); binary graph-model topologies are not supported.');
      }
      await mkdir(directory, { recursive: true });
      const weightsManifest: tf.io.WeightsManifestConfig = [{ paths: [`./${weightsBinFile}`], weights: artifacts.weightSpecs ?? [] }];
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest,
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.signature !== undefined) modelJson.signature = artifacts.signature;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.modelInitializer !== undefined) modelJson.modelInitializer = artifacts.modelInitializer;
      if (artifacts.initializerSignature !== undefined) modelJson.initializerSignature = artifacts.initializerSignature;

      const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      // Weights first: a model.json on disk always points at complete weights.
      await atomicWriteFile(path.join(directory, weightsBinFile), new Uint8Array(weightData));
      await atomicWriteFile(path.join(directory, modelJsonFile), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJsonPath = path.join(directory, modelJsonFile);
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse((await readExisting(modelJsonPath, 'model file')).toString('utf8')) as tf.io.ModelJSON;
      } catch (error) {
        if (CheckpointError.isInstance(error)) throw error;
        throw new CheckpointError(modelJsonPath, `model file ${modelJsonPath} is not valid JSON (${(error as Error).message}).`, { cause: error });
      }
      if (typeof modelJson !== 'object' || modelJson === null || modelJson.modelTopology === undefined) {
        throw new CheckpointError(modelJsonPath, `${modelJsonPath} has no modelTopology; it is not a tfjs LayersModel file.`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const relativePath of group.paths) {
            const bytes = await readExisting(path.join(directory, relativePath), 'weights file');
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

async function readExisting(filePath: string, what: string): Promise<Buffer> {
  try {
    return await readFile(filePath);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    throw new CheckpointError(filePath, `${what} ${filePath} ${reason}; export the model again with layersModel.save(fileSystemIO(directory)).`, { cause: error });
  }
}
