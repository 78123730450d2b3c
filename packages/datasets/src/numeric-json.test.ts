import { describe, expect, it } from 'vitest';
import { DataFormatError } from './data-errors';
import { parseNumericJson } from './numeric-json';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseNumericJson', () => {
  it('reads nested arrays of integers and records each row length, empty rows included', () => {
    const parsed = parseNumericJson(encode('{"data":[[0,12,255],[],[7, 8 ,9]]}'), 'nested.json', 1);
    expect(Array.from(parsed.values)).toEqual([0, 12, 255, 7, 8, 9]);
    expect(parsed.rowLengths).toEqual([3, 0, 3]);
  });

  it('reads a flat array of decimals exactly as JSON.parse does (as float32)', () => {
    const text = '{ "data": [0,0.2,0.624,0.992,1,-0.5,1e-3,2.5E2,0.333333333333333333] }';
    const parsed = parseNumericJson(encode(text), 'flat.json');
    const expected = (JSON.parse(text) as { data: number[] }).data.map((value) => Math.fround(value));
    expect(Array.from(parsed.values)).toEqual(expected);
    expect(parsed.rowLengths).toEqual([9]);
  });

  it('grows its buffer past the expected size', () => {
    const values = Array.from({ length: 1000 }, (_, index) => index % 256);
    const parsed = parseNumericJson(encode(JSON.stringify({ data: values })), 'grow.json', 1);
    expect(Array.from(parsed.values)).toEqual(values);
  });

  it('skips strings, including escaped quotes and brackets inside them', () => {
    const parsed = parseNumericJson(encode('{"na\\"me [1,2]":"x]","data":[3]}'), 'strings.json');
    expect(Array.from(parsed.values)).toEqual([3]);
  });

  it.each([
    ['a literal', '{"data":[1,null]}'],
    ['an unbalanced bracket', '{"data":[1]]}'],
    ['a missing bracket', '{"data":[1,2'],
    ['a number outside an array', '{"data":1}'],
    ['a bare minus sign', '[1,-]'],
    ['an unterminated string', '{"data'],
  ])('rejects %s with a DataFormatError naming the file', (_, text) => {
    try {
      parseNumericJson(encode(text), 'bad.json');
      expect.unreachable();
    } catch (error) {
      expect(DataFormatError.isInstance(error)).toBe(true);
      expect((error as DataFormatError).path).toBe('bad.json');
    }
  });
});
