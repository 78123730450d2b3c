import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // The bundled-data loaders locate their npm packages from import.meta.url; the shim gives the
  // CJS build an equivalent.
  shims: true,
});
