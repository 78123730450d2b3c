import { describe, expect, it } from 'vitest';
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
});
