export { atomicWriteFile } from './atomic-write';
export { fileSystemIO } from './file-io';
export { readWeights, writeWeights } from './weights-file';
export type { WeightsManifest, WeightsManifestEntry } from './weights-file';
