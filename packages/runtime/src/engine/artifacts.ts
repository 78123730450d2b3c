import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact, ArtifactKind, ArtifactStore, Dataset, DatasetSplits, Model, ModelShapeContext, ModelSpec } from '../contracts';
import { didYouMean } from '../did-you-mean';
import { ArtifactError, CheckpointError } from '../errors';
import { atomicWriteFile, readArrays, readWeights, writeArrays, writeWeights } from '../io';

/** A mutable {@link ArtifactStore} the runner fills as steps finish. */
export interface MutableArtifactStore extends ArtifactStore {
  set(name: string, artifact: Artifact): void;
  /** The artifact under `name` of whatever kind, or `undefined`. */
  peek(name: string): Artifact | undefined;
  /** Disposes every model held. */
  dispose(): void;
}

/** Creates an empty artifact store. */
export function createArtifactStore(): MutableArtifactStore {
  const artifacts = new Map<string, Artifact>();
  return {
    has: (name) => artifacts.has(name),
    names: () => [...artifacts.keys()],
    get(name, kind) {
      const artifact = artifacts.get(name);
      if (!artifact) {
        const available = [...artifacts.keys()];
        throw new ArtifactError(name, `no artifact "${name}". ${didYouMean(name, available)}Available: ${available.join(', ') || '(none)'}.`);
      }
      if (artifact.kind !== kind) {
        throw new ArtifactError(name, `artifact "${name}" is a ${artifact.kind}, but a ${kind} is needed here.`);
      }
      return artifact as Extract<Artifact, { kind: typeof kind }>;
    },
    peek: (name) => artifacts.get(name),
    set(name, artifact) {
      const previous = artifacts.get(name);
      if (previous?.kind === 'model' && previous.model !== (artifact as { model?: Model }).model) previous.model.dispose();
      artifacts.set(name, artifact);
    },
    dispose() {
      for (const artifact of artifacts.values()) if (artifact.kind === 'model') artifact.model.dispose();
      artifacts.clear();
    },
  };
}

interface SavedModelInfo {
  kind: 'model';
  name: string;
  spec: ModelSpec;
  inputShape: number[];
  outputShape: number[];
}

interface SavedSplitInfo {
  name: string;
  shape: number[];
  numClasses: number;
  classNames?: string[];
  count: number;
  targets: boolean;
}

interface SavedDatasetInfo {
  kind: 'dataset';
  splits: Record<string, SavedSplitInfo>;
  normalization?: DatasetSplits['normalization'];
}

const splitNames = ['train', 'validation', 'test'] as const;

async function saveDataset(target: string, dataset: DatasetSplits): Promise<void> {
  const info: SavedDatasetInfo = { kind: 'dataset', splits: {}, ...(dataset.normalization ? { normalization: dataset.normalization } : {}) };
  for (const split of splitNames) {
    const data = dataset[split];
    if (data === undefined) continue;
    await writeArrays(target, split, { images: data.images, labels: data.labels, ...(data.targets ? { targets: data.targets } : {}) });
    info.splits[split] = {
      name: data.name,
      shape: [...data.shape],
      numClasses: data.numClasses,
      ...(data.classNames ? { classNames: [...data.classNames] } : {}),
      count: data.count,
      targets: data.targets !== undefined,
    };
  }
  await atomicWriteFile(path.join(target, 'artifact.json'), `${JSON.stringify(info, null, 2)}\n`);
}

async function loadDataset(target: string, info: SavedDatasetInfo): Promise<DatasetSplits> {
  const splits: Partial<Record<(typeof splitNames)[number], Dataset>> = {};
  for (const split of splitNames) {
    const saved = info.splits?.[split];
    if (saved === undefined) continue;
    const arrays = await readArrays(target, split);
    const images = arrays.images as Float32Array | undefined;
    const labels = arrays.labels as Int32Array | undefined;
    const size = saved.shape.reduce((product, value) => product * value, 1);
    if (!(images instanceof Float32Array) || !(labels instanceof Int32Array) || labels.length !== saved.count || images.length !== saved.count * size) {
      throw new CheckpointError(target, `dataset artifact ${target} (${split}) does not match its artifact.json (${saved.count} examples of [${saved.shape.join(', ')}]); the files are damaged.`);
    }
    const targets = saved.targets ? (arrays.targets as Float32Array | undefined) : undefined;
    if (saved.targets && (!(targets instanceof Float32Array) || targets.length !== saved.count * saved.numClasses)) {
      throw new CheckpointError(target, `dataset artifact ${target} (${split}) lacks its soft targets; the files are damaged.`);
    }
    splits[split] = {
      name: saved.name,
      images,
      labels,
      shape: saved.shape,
      numClasses: saved.numClasses,
      ...(saved.classNames ? { classNames: saved.classNames } : {}),
      count: saved.count,
      ...(targets ? { targets } : {}),
    };
  }
  if (splits.train === undefined) {
    throw new CheckpointError(target, `dataset artifact ${target} has no train split; the files are damaged.`);
  }
  return { ...splits, train: splits.train, ...(info.normalization ? { normalization: info.normalization } : {}) };
}

/** Saves artifacts of a finished step so that a resumed run can restore them without rerunning it. */
export async function saveArtifacts(directory: string, artifacts: Record<string, Artifact>): Promise<void> {
  for (const [name, artifact] of Object.entries(artifacts)) {
    const target = path.join(directory, name);
    await mkdir(target, { recursive: true });
    if (artifact.kind === 'model') {
      const model = artifact.model;
      await writeWeights(target, 'weights', model.getWeights());
      const info: SavedModelInfo = {
        kind: 'model',
        name: model.name,
        spec: model.spec,
        inputShape: [...model.inputShape],
        outputShape: [...model.outputShape],
      };
      await atomicWriteFile(path.join(target, 'artifact.json'), `${JSON.stringify(info, null, 2)}\n`);
    } else if (artifact.kind === 'dataset') {
      await saveDataset(target, artifact.dataset);
    } else {
      await atomicWriteFile(path.join(target, 'artifact.json'), `${JSON.stringify(artifact, null, 2)}\n`);
    }
  }
}

/**
 * Restores artifacts saved by {@link saveArtifacts}: models (rebuilt from their specs, which hold
 * their shapes, and loaded with their weights), datasets, architectures and values. Returns
 * `undefined` when the step saved none (an older run: the step then reruns).
 *
 * @throws CheckpointError for a damaged artifact (the models restored so far are released).
 */
export async function loadArtifacts(directory: string, createModel: (spec: ModelSpec, options: ModelShapeContext) => Model): Promise<Record<string, Artifact> | undefined> {
  if (!existsSync(directory)) return undefined;
  const result: Record<string, Artifact> = {};
  try {
    for (const name of await readdir(directory)) {
      const file = path.join(directory, name, 'artifact.json');
      if (!existsSync(file)) continue;
      let info: Record<string, unknown>;
      try {
        info = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      } catch (error) {
        throw new CheckpointError(file, `artifact ${file} is corrupt: ${(error as Error).message}.`, { cause: error });
      }
      if (info.kind === 'model') {
        const saved = info as unknown as SavedModelInfo;
        // The spec holds the shapes it was built with; the output shape says nothing of a class count (a generator's is an image).
        const model = createModel(saved.spec, { inputShape: saved.inputShape, name: saved.name });
        result[name] = { kind: 'model', model };
        const weights = await readWeights(path.join(directory, name), 'weights');
        try {
          model.setWeights(weights);
        } finally {
          for (const tensor of Object.values(weights)) tensor.dispose();
        }
      } else if (info.kind === 'dataset') {
        if ((info as { persisted?: boolean }).persisted === false) {
          // Written by a runtime that did not persist datasets: the step reruns.
          for (const restored of Object.values(result)) if (restored.kind === 'model') restored.model.dispose();
          return undefined;
        }
        result[name] = { kind: 'dataset', dataset: await loadDataset(path.join(directory, name), info as unknown as SavedDatasetInfo) };
      } else {
        result[name] = info as unknown as Artifact;
      }
    }
  } catch (error) {
    for (const restored of Object.values(result)) if (restored.kind === 'model') restored.model.dispose();
    throw error;
  }
  return result;
}

export type { ArtifactKind };
