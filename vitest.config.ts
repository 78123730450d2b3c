import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'scripts'],
    // Two cores on CI: two forks keep the machine busy without thrashing.
    maxWorkers: 2,
  },
});
