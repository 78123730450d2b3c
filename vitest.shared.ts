import path from 'node:path';
import type { UserWorkspaceConfig } from 'vitest/config';

const root = import.meta.dirname;

/** Workspace packages resolve to their sources in tests, so a change needs no rebuild. */
const aliases = ['runtime', 'wasm-training', 'datasets', 'cli', 'rkd', 'tas', 'srcaps', 'kegnet', 'ebu'].map((name) => ({
  find: new RegExp(`^@core/${name}$`),
  replacement: path.join(root, 'packages', name, 'src', 'index.ts'),
}));

export function sharedProjectConfig(name: string, dir: string): UserWorkspaceConfig {
  return {
    resolve: { alias: aliases },
    test: {
      name,
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      setupFiles: [path.join(root, 'vitest.setup.ts')],
      pool: 'forks',
      // One tfjs import per worker instead of per file: tests share no state but the engine, and check tensor counts relative to their own start.
      isolate: false,
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
}
