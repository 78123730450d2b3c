import { describe, expect, it } from 'vitest';
import { DataFormatError, DataNotFoundError } from './data-errors';

describe('data errors', () => {
  it('carry a code, a name, the path and a cause', () => {
    const cause = new Error('ENOENT');
    const error = new DataNotFoundError('/data/train-images-idx3-ubyte', 'missing', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('E_DATA_NOT_FOUND');
    expect(error.name).toBe('DataNotFoundError');
    expect(error.path).toBe('/data/train-images-idx3-ubyte');
    expect(error.cause).toBe(cause);
    expect(new DataFormatError('/data/x', 'bad').code).toBe('E_DATA_FORMAT');
  });

  it('are recognised by their Symbol.for marker, as a copy from another module instance would be', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('core.error.DataNotFoundError')]: true,
    });
    expect(DataNotFoundError.isInstance(foreign)).toBe(true);
    expect(DataFormatError.isInstance(foreign)).toBe(false);
    expect(DataNotFoundError.isInstance(new DataFormatError('x', 'y'))).toBe(false);
    expect(DataNotFoundError.isInstance(new Error('plain'))).toBe(false);
    expect(DataNotFoundError.isInstance(undefined)).toBe(false);
    expect(DataNotFoundError.isInstance('E_DATA_NOT_FOUND')).toBe(false);
  });

  it("also carry the runtime's generic core.error marker", () => {
    const error = new DataFormatError('x', 'y') as unknown as Record<symbol, unknown>;
    expect(error[Symbol.for('core.error')]).toBe(true);
  });
});
