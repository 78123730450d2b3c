import { describe, expect, it } from 'vitest';
import { planConvolutionAxis } from './planned-convolution';

describe('planConvolutionAxis', () => {
  it('pads exactly what the output needs', () => {
    // 3-tap kernel, 'same' on 8 positions: one zero each side.
    expect(planConvolutionAxis(8, 1, 3, 1, 8)).toEqual({
      inputBegin: 0,
      inputSize: 8,
      padBefore: 1,
      padAfter: 1,
      outputSize: 8,
    });
  });

  it('pads nothing after when the input is longer than needed (the output is cut instead)', () => {
    // Filter gradient of a stride-2 'valid' convolution on 8 positions: windows end at position 6.
    const plan = planConvolutionAxis(8, 0, 5, 1, 3);
    expect(plan.padAfter).toBe(0);
    expect(plan.inputSize).toBe(8);
  });

  it('crops the input when the wanted padding before is negative', () => {
    expect(planConvolutionAxis(10, -2, 3, 1, 4)).toEqual({
      inputBegin: 2,
      inputSize: 8,
      padBefore: 0,
      padAfter: 0,
      outputSize: 4,
    });
  });

  it('accounts for the stride when padding after', () => {
    // Output position 3 reads from 3 * 2 - 1 = 5 to 5 + 3 = 8: one zero after 7 positions.
    expect(planConvolutionAxis(7, 1, 3, 2, 4)).toMatchObject({ padBefore: 1, padAfter: 1 });
  });
});
