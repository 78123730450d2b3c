import { DataFormatError } from './data-errors';

/** Numbers found in a JSON document made of (nested) arrays of numbers. */
export interface NumericJson {
  /** Every number in document order. */
  readonly values: Float32Array;
  /** Length of each innermost array in document order (an empty array counts as a row of 0). */
  readonly rowLengths: readonly number[];
}

const CHAR_QUOTE = 0x22;
const CHAR_BACKSLASH = 0x5c;
const CHAR_OPEN = 0x5b;
const CHAR_CLOSE = 0x5d;
const CHAR_MINUS = 0x2d;
const CHAR_COMMA = 0x2c;
const CHAR_PLUS = 0x2b;
const CHAR_DOT = 0x2e;
const CHAR_ZERO = 0x30;
const CHAR_NINE = 0x39;
const CHAR_LOWER_E = 0x65;
const CHAR_UPPER_E = 0x45;

function isDigit(byte: number): boolean {
  return byte >= CHAR_ZERO && byte <= CHAR_NINE;
}

// Takes the position as an argument: a closure capturing the mutable cursor would force it into a
// heap-allocated context and slow the scanning loop down severalfold.
function fail(path: string, position: number, reason: string): never {
  throw new DataFormatError(path, `${path}: not a JSON array of numbers (${reason} at byte ${position}).`);
}

/** Whitespace, commas, colons and braces carry no information for this format. */
function isSeparator(byte: number): boolean {
  return (
    byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x2c || byte === 0x3a || byte === 0x7b || byte === 0x7d
  );
}

/**
 * Reads every number of a JSON document such as `{"data":[[0,12,255],[...]]}` or
 * `{"data":[0,0.2,0.624]}` straight from its bytes.
 *
 * `JSON.parse` on the 155 MB of the bundled Fashion-MNIST builds 70,000 arrays of boxed numbers
 * and takes several seconds; scanning the bytes into one typed array is several times faster and
 * needs no intermediate objects. Object keys and other strings are skipped; `true`, `false` and
 * `null` are rejected, as the data files never contain them.
 *
 * Decimals are converted as `mantissa / 10^k` (or `* 10^exponent`), the same correctly rounded
 * double `JSON.parse` gives for the short decimals these files hold, then stored as float32.
 */
export function parseNumericJson(bytes: Uint8Array, path: string, expectedValues = 1 << 20): NumericJson {
  let values = new Float32Array(Math.max(16, expectedValues));
  let valueCount = 0;
  const rowLengths: number[] = [];
  let depth = 0;
  // Whether the innermost open array has not yet contained an array: its `]` ends a row.
  let inLeaf = false;
  let rowLength = 0;
  const length = bytes.length;
  let position = 0;


  while (position < length) {
    const byte = bytes[position];
    // Digits and commas are nearly every byte of these files, so they are tested first.
    if ((byte >= CHAR_ZERO && byte <= CHAR_NINE) || byte === CHAR_MINUS) {
      if (depth === 0) fail(path, position, 'number outside an array');
      const start = position;
      const negative = byte === CHAR_MINUS;
      if (negative) position += 1;
      let mantissa = 0;
      let digits = 0;
      let fractionDigits = 0;
      let exponent = 0;
      while (position < length) {
        const digit = bytes[position] - CHAR_ZERO;
        if (digit < 0 || digit > 9) break;
        mantissa = mantissa * 10 + digit;
        digits += 1;
        position += 1;
      }
      if (bytes[position] === CHAR_DOT) {
        position += 1;
        while (position < length) {
          const digit = bytes[position] - CHAR_ZERO;
          if (digit < 0 || digit > 9) break;
          mantissa = mantissa * 10 + digit;
          fractionDigits += 1;
          digits += 1;
          position += 1;
        }
      }
      if (bytes[position] === CHAR_LOWER_E || bytes[position] === CHAR_UPPER_E) {
        position += 1;
        let exponentNegative = false;
        if (bytes[position] === CHAR_MINUS || bytes[position] === CHAR_PLUS) {
          exponentNegative = bytes[position] === CHAR_MINUS;
          position += 1;
        }
        if (!isDigit(bytes[position])) fail(path, position, 'malformed exponent');
        while (position < length && isDigit(bytes[position])) {
          exponent = exponent * 10 + (bytes[position] - CHAR_ZERO);
          position += 1;
        }
        if (exponentNegative) exponent = -exponent;
      }
      if (digits === 0) fail(path, position, 'malformed number');
      let value: number;
      const scale = exponent - fractionDigits;
      if (scale === 0 && digits <= 15) {
        value = negative ? -mantissa : mantissa;
      } else if (digits > 15 || scale > 22 || scale < -22) {
        // Beyond 15 digits the mantissa, and beyond 10^22 the power of ten, is no longer exact;
        // let the engine round those rare numbers.
        value = Number(new TextDecoder().decode(bytes.subarray(start, position)));
      } else {
        value = scale < 0 ? mantissa / 10 ** -scale : mantissa * 10 ** scale;
        if (negative) value = -value;
      }
      if (valueCount === values.length) {
        const grown = new Float32Array(values.length * 2);
        grown.set(values);
        values = grown;
      }
      values[valueCount] = value;
      valueCount += 1;
      rowLength += 1;
    } else if (byte === CHAR_COMMA) {
      position += 1;
    } else if (byte === CHAR_OPEN) {
      depth += 1;
      inLeaf = true;
      rowLength = 0;
      position += 1;
    } else if (byte === CHAR_CLOSE) {
      if (depth === 0) fail(path, position, 'unbalanced "]"');
      if (inLeaf) rowLengths.push(rowLength);
      inLeaf = false;
      depth -= 1;
      position += 1;
    } else if (byte === CHAR_QUOTE) {
      position += 1;
      while (position < length && bytes[position] !== CHAR_QUOTE) {
        position += bytes[position] === CHAR_BACKSLASH ? 2 : 1;
      }
      if (position >= length) fail(path, position, 'unterminated string');
      position += 1;
    } else if (isSeparator(byte)) {
      position += 1;
    } else {
      fail(path, position, `unexpected character "${String.fromCharCode(byte)}"`);
    }
  }
  if (depth !== 0) fail(path, position, 'unexpected end of file');
  return { values: values.subarray(0, valueCount), rowLengths };
}
