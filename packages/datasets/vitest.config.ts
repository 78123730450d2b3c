import { defineProject } from 'vitest/config';
import { sharedProjectConfig } from '../../vitest.shared';

const shared = sharedProjectConfig('@core/datasets', import.meta.dirname);

// This package holds no tensors, so it skips the shared setup file that loads TensorFlow.js and
// selects its backend: that import alone costs seconds per test file.
export default defineProject({ ...shared, test: { ...shared.test, setupFiles: [] } });
