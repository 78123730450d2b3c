import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/bin.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // bin.ts finds its own package from import.meta.url; the shim gives the CJS build an equivalent.
  shims: true,
});
