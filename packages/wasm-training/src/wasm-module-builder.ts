/**
 * A minimal WebAssembly binary encoder: just enough to write small SIMD loops that run on the memory of
 * tfjs-backend-wasm (see `simd-kernels.ts`). Functions are built instruction by instruction with
 * {@link FunctionBuilder}; {@link encodeModule} wraps them in a module that imports one memory as
 * `env.memory` and exports every function by name.
 *
 * Encoding follows the WebAssembly core specification 2.0, §5 (binary format), with the fixed-width SIMD
 * proposal's instructions (prefix `0xfd`).
 */

/** Value types (§5.3.1). */
export const valueType = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;

/** A value type of {@link valueType}. */
export type ValueType = (typeof valueType)[keyof typeof valueType];

function unsignedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) {
      byte |= 0x80;
    }
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
}

function signedLeb128(value: number): number[] {
  const bytes: number[] = [];
  let rest = value | 0;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
}

function encodeName(name: string): number[] {
  const bytes = [...new TextEncoder().encode(name)];
  return [...unsignedLeb128(bytes.length), ...bytes];
}

/** Concatenates byte arrays (a loop: spreading or flattening large arrays is slow in cold code). */
function concatenate(parts: readonly number[][]): number[] {
  const bytes: number[] = [];
  for (const part of parts) {
    for (let index = 0; index < part.length; index += 1) {
      bytes.push(part[index]);
    }
  }
  return bytes;
}

function encodeVector(items: number[][]): number[] {
  return concatenate([unsignedLeb128(items.length), ...items]);
}

function encodeSection(id: number, body: number[]): number[] {
  return concatenate([[id], unsignedLeb128(body.length), body]);
}

/** Block type of a structured instruction without parameters or results. */
const emptyBlockType = 0x40;

/**
 * Builds the body of one function. Methods append one instruction each and return the builder, so code
 * reads like the stack machine it encodes: `f.localGet(a).localGet(b).i32Add().localSet(c)`.
 */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly localTypes: ValueType[] = [];

  constructor(
    readonly parameters: readonly ValueType[],
    readonly results: readonly ValueType[] = [],
  ) {}

  /** Declares a local and returns its index (parameters come first). */
  addLocal(type: ValueType): number {
    this.localTypes.push(type);
    return this.parameters.length + this.localTypes.length - 1;
  }

  localGet(index: number): this {
    return this.emit(0x20, ...unsignedLeb128(index));
  }

  localSet(index: number): this {
    return this.emit(0x21, ...unsignedLeb128(index));
  }

  localTee(index: number): this {
    return this.emit(0x22, ...unsignedLeb128(index));
  }

  i32Const(value: number): this {
    return this.emit(0x41, ...signedLeb128(value));
  }

  i32Add(): this {
    return this.emit(0x6a);
  }

  i32Sub(): this {
    return this.emit(0x6b);
  }

  i32Mul(): this {
    return this.emit(0x6c);
  }

  i32GreaterThanSigned(): this {
    return this.emit(0x4a);
  }

  i32LessOrEqualSigned(): this {
    return this.emit(0x4c);
  }

  /** `v128.load` at the address on the stack plus `offset` bytes (4-byte alignment hint). */
  v128Load(offset = 0): this {
    return this.simd(0x00, ...unsignedLeb128(2), ...unsignedLeb128(offset));
  }

  /** `v128.store` of the vector on top of the address, at `offset` bytes (4-byte alignment hint). */
  v128Store(offset = 0): this {
    return this.simd(0x0b, ...unsignedLeb128(2), ...unsignedLeb128(offset));
  }

  /** `v128.load32_splat`: one float from memory copied into the four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09, ...unsignedLeb128(2), ...unsignedLeb128(offset));
  }

  /** `v128.load64_zero`: two floats from memory into lanes 0–1, zeros in lanes 2–3. */
  v128Load64Zero(offset = 0): this {
    return this.simd(0x5d, ...unsignedLeb128(2), ...unsignedLeb128(offset));
  }

  /** `v128.load32_zero`: one float from memory into lane 0, zeros in lanes 1–3. */
  v128Load32Zero(offset = 0): this {
    return this.simd(0x5c, ...unsignedLeb128(2), ...unsignedLeb128(offset));
  }

  /** `v128.load32_lane`: replaces `lane` of the vector on top of the address with one float from memory. */
  v128Load32Lane(offset: number, lane: number): this {
    return this.simd(0x56, ...unsignedLeb128(2), ...unsignedLeb128(offset), lane);
  }

  /** `v128.store32_lane`: stores `lane` of the vector on top of the address. */
  v128Store32Lane(offset: number, lane: number): this {
    return this.simd(0x5a, ...unsignedLeb128(2), ...unsignedLeb128(offset), lane);
  }

  /** `v128.store64_lane`: stores lanes `2·lane` and `2·lane + 1` of the vector on top of the address. */
  v128Store64Lane(offset: number, lane: number): this {
    return this.simd(0x5b, ...unsignedLeb128(2), ...unsignedLeb128(offset), lane);
  }

  /** `memory.copy` (bulk memory), operands destination, source, byte count. */
  memoryCopy(): this {
    return this.emit(0xfc, ...unsignedLeb128(10), 0x00, 0x00);
  }

  /** `memory.fill` (bulk memory), operands destination, byte value, byte count. */
  memoryFill(): this {
    return this.emit(0xfc, ...unsignedLeb128(11), 0x00);
  }

  /** `v128.const` of sixteen zero bytes. */
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }

  f32x4Add(): this {
    return this.simd(0xe4);
  }

  f32x4Sub(): this {
    return this.simd(0xe5);
  }

  f32x4Mul(): this {
    return this.simd(0xe6);
  }

  f32x4Div(): this {
    return this.simd(0xe7);
  }

  /** `select`: of the two values under the i32 on top, the first when it is not zero, else the second. */
  select(): this {
    return this.emit(0x1b);
  }

  f32x4Splat(): this {
    return this.simd(0x13);
  }

  /** `f32x4.min` (NaN in either operand gives NaN). */
  f32x4Min(): this {
    return this.simd(0xe8);
  }

  /** `f32x4.max` (NaN in either operand gives NaN). */
  f32x4Max(): this {
    return this.simd(0xe9);
  }

  i32Eqz(): this {
    return this.emit(0x45);
  }

  i32Eq(): this {
    return this.emit(0x46);
  }

  /** `if … else … end` on the i32 on the stack. */
  ifThenElse(then: () => void, otherwise: () => void): this {
    this.emit(0x04, emptyBlockType);
    then();
    this.emit(0x05);
    otherwise();
    return this.emit(0x0b);
  }

  /** `block … end`; inside, `br 0` jumps to the end. */
  block(body: () => void): this {
    this.emit(0x02, emptyBlockType);
    body();
    return this.emit(0x0b);
  }

  /** `loop … end`; inside, `br 0` jumps back to the start. */
  loop(body: () => void): this {
    this.emit(0x03, emptyBlockType);
    body();
    return this.emit(0x0b);
  }

  /** Branches `depth` structured blocks out when the i32 on the stack is not zero. */
  branchIf(depth: number): this {
    return this.emit(0x0d, ...unsignedLeb128(depth));
  }

  /**
   * Runs `body` `count` times (the i32 local `count` is consumed: it counts down to zero). Nothing runs
   * when `count` is zero or negative.
   */
  repeat(count: number, body: () => void): this {
    return this.block(() => {
      this.localGet(count).i32Const(0).i32LessOrEqualSigned().branchIf(0);
      this.loop(() => {
        body();
        this.localGet(count).i32Const(1).i32Sub().localTee(count).i32Const(0).i32GreaterThanSigned().branchIf(0);
      });
    });
  }

  /** Adds the i32 local `step` to the i32 local `pointer`. */
  advance(pointer: number, step: number): this {
    return this.localGet(pointer).localGet(step).i32Add().localSet(pointer);
  }

  /** The function's code entry (§5.5.13): locals and body. */
  encode(): number[] {
    const localGroups = this.localTypes.map((type) => [1, type]);
    const body = concatenate([encodeVector(localGroups), this.code, [0x0b]]);
    return concatenate([unsignedLeb128(body.length), body]);
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.emit(0xfd, ...unsignedLeb128(opcode), ...immediates);
  }

  private emit(...bytes: number[]): this {
    for (const byte of bytes) {
      this.code.push(byte);
    }
    return this;
  }
}

/** Options of {@link encodeModule}. */
export interface EncodeModuleOptions {
  /** Exported functions by name. */
  functions: Record<string, FunctionBuilder>;
  /** Whether the imported memory is shared (the threaded tfjs build); a shared import must declare a maximum. */
  sharedMemory: boolean;
}

/** Encodes a module importing `env.memory` and exporting `functions` (§5.5). */
export function encodeModule({ functions, sharedMemory }: EncodeModuleOptions): Uint8Array {
  const builders = Object.values(functions);
  const types = encodeSection(
    1,
    encodeVector(
      builders.map((builder) => [
        0x60,
        ...encodeVector(builder.parameters.map((type) => [type])),
        ...encodeVector(builder.results.map((type) => [type])),
      ]),
    ),
  );
  // Minimum one page; a shared memory needs a maximum, and 65536 pages (4 GiB) admits any memory.
  const limits = sharedMemory ? [0x03, ...unsignedLeb128(1), ...unsignedLeb128(65536)] : [0x00, ...unsignedLeb128(1)];
  const imports = encodeSection(2, encodeVector([[...encodeName('env'), ...encodeName('memory'), 0x02, ...limits]]));
  const functionTypes = encodeSection(3, encodeVector(builders.map((_, index) => unsignedLeb128(index))));
  const exports = encodeSection(
    7,
    encodeVector(Object.keys(functions).map((name, index) => [...encodeName(name), 0x00, ...unsignedLeb128(index)])),
  );
  const code = encodeSection(10, encodeVector(builders.map((builder) => builder.encode())));
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  return new Uint8Array(concatenate([header, types, imports, functionTypes, exports, code]));
}

/**
 * Emits a load of `width` (1–4) consecutive floats at `address + offset` (`address` a local) into a vector,
 * zeros in the other lanes; nothing past them is read. Leaves the vector on the stack.
 */
export function loadPartialVector(f: FunctionBuilder, address: number, offset: number, width: number): void {
  if (width === 4) {
    f.localGet(address).v128Load(offset);
  } else if (width === 1) {
    f.localGet(address).v128Load32Zero(offset);
  } else if (width === 2) {
    f.localGet(address).v128Load64Zero(offset);
  } else {
    f.localGet(address).localGet(address).v128Load64Zero(offset).v128Load32Lane(offset + 8, 2);
  }
}

/** Emits a store of the first `width` (1–4) lanes of the vector in local `value` at `address + offset`; nothing past them is written. */
export function storePartialVector(f: FunctionBuilder, address: number, offset: number, width: number, value: number): void {
  if (width === 4) {
    f.localGet(address).localGet(value).v128Store(offset);
  } else if (width === 1) {
    f.localGet(address).localGet(value).v128Store32Lane(offset, 0);
  } else {
    f.localGet(address).localGet(value).v128Store64Lane(offset, 0);
    if (width === 3) {
      f.localGet(address).localGet(value).v128Store32Lane(offset + 8, 2);
    }
  }
}
