import { WasmTrainingError } from '@core/wasm-training';
import { describe, expect, it } from 'vitest';
import { CoreError, InvalidArgumentError } from '../errors';
import { BackendUnavailableError } from './backend-errors';

describe('BackendUnavailableError', () => {
  it('carries a stable code, the backend and the cause', () => {
    const cause = new Error('missing binding');
    const error = new BackendUnavailableError({ backend: 'tensorflow', message: 'Install it.', cause });
    expect(error).toMatchObject({
      name: 'BackendUnavailableError',
      code: 'E_BACKEND_UNAVAILABLE',
      backend: 'tensorflow',
      message: 'Install it.',
      cause,
    });
  });

  it('is recognised by its registry-wide marker, also from another copy of the package', () => {
    const error = new BackendUnavailableError({ backend: 'wasm', message: 'Reinstall.' });
    expect(BackendUnavailableError.isInstance(error)).toBe(true);
    const fromAnotherCopy = { [Symbol.for('core.error.BackendUnavailableError')]: true };
    expect(BackendUnavailableError.isInstance(fromAnotherCopy)).toBe(true);
    expect(BackendUnavailableError.isInstance(new Error('other'))).toBe(false);
    expect(BackendUnavailableError.isInstance(undefined)).toBe(false);
  });

  it('recognises the errors of @core/wasm-training, which carry the same markers', () => {
    const unavailable = new WasmTrainingError({ code: 'E_BACKEND_UNAVAILABLE', message: 'Reinstall.' });
    expect(CoreError.isInstance(unavailable)).toBe(true);
    expect(BackendUnavailableError.isInstance(unavailable)).toBe(true);
    expect(unavailable).toMatchObject({ code: 'E_BACKEND_UNAVAILABLE', backend: 'wasm' });
    const invalid = new WasmTrainingError({ code: 'E_INVALID_ARGUMENT', argument: 'threads', message: 'Pass 1.' });
    expect(CoreError.isInstance(invalid)).toBe(true);
    expect(InvalidArgumentError.isInstance(invalid)).toBe(true);
    expect(BackendUnavailableError.isInstance(invalid)).toBe(false);
  });
});
