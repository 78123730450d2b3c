export { atomicWriteFile, syncDirectory } from './atomic-write';
export { fileSystemIO } from './file-io';
export { readArrays, readKeptWeights, readWeights, replaceWeightsDirectory, writeArrays, writeWeights } from './weights-file';
export type { StoredTypedArray, WeightsManifest, WeightsManifestEntry } from './weights-file';
export { describeFileSystemError, isSystemError, type DescribeFileErrorOptions, type SystemError } from './describe-file-error';
