import { describe, expect, it } from 'vitest';
import { WasmTrainingError } from './wasm-training-error';

const marker = (error: unknown, name: string) => (error as Record<symbol, unknown>)[Symbol.for(name)];

describe('WasmTrainingError', () => {
  it('carries a stable code, the backend and the cause', () => {
    const cause = new Error('missing binary');
    const error = new WasmTrainingError({ code: 'E_BACKEND_UNAVAILABLE', message: 'Reinstall.', cause });
    expect(error).toMatchObject({ name: 'WasmTrainingError', code: 'E_BACKEND_UNAVAILABLE', backend: 'wasm', message: 'Reinstall.', cause });
    expect(error).toBeInstanceOf(Error);
  });

  it('is recognised by its marker, also from another copy of the package', () => {
    expect(WasmTrainingError.isInstance(new WasmTrainingError({ code: 'E_INVALID_ARGUMENT', argument: 'threads', message: 'Pass 1.' }))).toBe(true);
    expect(WasmTrainingError.isInstance({ [Symbol.for('core.error.WasmTrainingError')]: true })).toBe(true);
    expect(WasmTrainingError.isInstance(new Error('other'))).toBe(false);
    expect(WasmTrainingError.isInstance(undefined)).toBe(false);
  });

  it("carries the markers the runtime's CoreError and the class of its code check", () => {
    const unavailable = new WasmTrainingError({ code: 'E_BACKEND_UNAVAILABLE', message: 'Reinstall.' });
    expect(marker(unavailable, 'core.error')).toBe(true);
    expect(marker(unavailable, 'core.error.BackendUnavailableError')).toBe(true);
    expect(marker(unavailable, 'core.error.InvalidArgumentError')).toBeUndefined();
    const invalid = new WasmTrainingError({ code: 'E_INVALID_ARGUMENT', argument: 'threads', message: 'Pass 1.' });
    expect(marker(invalid, 'core.error')).toBe(true);
    expect(marker(invalid, 'core.error.InvalidArgumentError')).toBe(true);
    expect(marker(invalid, 'core.error.BackendUnavailableError')).toBeUndefined();
    expect(invalid).toMatchObject({ code: 'E_INVALID_ARGUMENT', argument: 'threads' });
  });
});
