import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Returns the directory (with a trailing separator) holding the `.wasm` binaries of the installed
 * `@tensorflow/tfjs-backend-wasm`, for `setWasmPaths`.
 *
 * Emscripten looks for the binaries next to the script that loaded them, which is wrong as soon as the
 * backend is bundled or run through a test transformer; resolving the package from this module works
 * from the ESM and CJS builds and from sources alike.
 */
export function resolveWasmBinaryDirectory(): string {
  const entry = createRequire(currentModuleLocation()).resolve('@tensorflow/tfjs-backend-wasm');
  return path.dirname(entry) + path.sep;
}

/** This module's location, for `createRequire`: resolves packages as @core/wasm-training itself does. */
export function currentModuleLocation(): string {
  // The CJS build has `__filename` (bundlers rewrite `require`, so it cannot be tested for);
  // ESM (the ESM build, vitest) knows its own URL.
  return typeof __filename === 'string' ? __filename : import.meta.url;
}
