import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Artifact, ArtifactKind, ArtifactStore, Model, ModelSpec } from '../contracts';
import { didYouMean } from '../did-you-mean';
import { ArtifactError, CheckpointError } from '../errors';
import { atomicWriteFile, readWeights, writeWeights } from '../io';

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
      // Datasets are rebuilt by rerunning cheap steps; mark them so restore can tell.
      await atomicWriteFile(path.join(target, 'artifact.json'), `${JSON.stringify({ kind: 'dataset', persisted: false })}\n`);
    } else {
      await atomicWriteFile(path.join(target, 'artifact.json'), `${JSON.stringify(artifact, null, 2)}\n`);
    }
  }
}

/**
 * Restores artifacts saved by {@link saveArtifacts}. Returns `undefined` when one of them cannot be
 * restored from disk (the step then reruns).
 */
export async function loadArtifacts(
  directory: string,
  createModel: (spec: ModelSpec, options: { inputShape: readonly number[]; numClasses: number; name: string }) => Model,
): Promise<Record<string, Artifact> | undefined> {
  if (!existsSync(directory)) return undefined;
  const result: Record<string, Artifact> = {};
  for (const name of await readdir(directory)) {
    const file = path.join(directory, name, 'artifact.json');
    if (!existsSync(file)) continue;
    let info: Record<string, unknown>;
    try {
      info = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new CheckpointError(file, `artifact ${file} is corrupt: ${(error as Error).message}. Delete the step directory to rerun the step.`, { cause: error });
    }
    if (info.kind === 'model') {
      const saved = info as unknown as SavedModelInfo;
      const model = createModel(saved.spec, { inputShape: saved.inputShape, numClasses: saved.outputShape.at(-1) ?? 1, name: saved.name });
      const weights = await readWeights(path.join(directory, name), 'weights');
      try {
        model.setWeights(weights);
      } finally {
        for (const tensor of Object.values(weights)) tensor.dispose();
      }
      result[name] = { kind: 'model', model };
    } else if (info.kind === 'dataset') {
      // Datasets are not persisted: the step reruns, so release what was restored so far.
      for (const restored of Object.values(result)) if (restored.kind === 'model') restored.model.dispose();
      return undefined;
    } else {
      result[name] = info as unknown as Artifact;
    }
  }
  return result;
}

export type { ArtifactKind };
