import { defineProject } from 'vitest/config';
import { sharedProjectConfig } from '../../vitest.shared.ts';

const shared = sharedProjectConfig('@core/datasets', import.meta.dirname);

// This package holds no tensors, so it skips the shared setup file that loads TensorFlow.js and
// selects its backend: that import alone costs seconds per test file. Its tests keep no global
// state beyond the loaders' parse cache, so test files share a process (isolate: false) and the
// bundled data sets are parsed once per worker rather than once per file.
export default defineProject({ ...shared, test: { ...shared.test, setupFiles: [], isolate: false } });
