import { describe, expect, it } from 'vitest';
import { createResNetSearchSpace, depthChoices, widthChoices } from './index';

describe('widthChoices', () => {
  it('matches the reference lists of the paper digest', () => {
    expect(widthChoices(16)).toEqual([4, 6, 8, 9, 11, 12, 14, 16]);
    expect(widthChoices(32)).toEqual([9, 12, 16, 19, 22, 25, 28, 32]);
    expect(widthChoices(64)).toEqual([19, 25, 32, 38, 44, 51, 57, 64]);
  });
  it('deduplicates narrow convs and drops zero widths', () => {
    expect(widthChoices(8)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(widthChoices(3)).toEqual([1, 2, 3]);
    expect(widthChoices(1)).toEqual([1]);
    expect(() => widthChoices(0)).toThrow(/positive integer/);
  });
});

describe('depthChoices', () => {
  it('follows the reference rule', () => {
    expect(depthChoices(2)).toEqual([1, 2]);
    expect(depthChoices(3)).toEqual([1, 2, 3]);
    expect(depthChoices(4)).toEqual([1, 3, 4]);
    expect(depthChoices(9)).toEqual([1, 3, 5, 7, 9]);
    expect(depthChoices(18)).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 18]);
  });
  it('throws for a 1-block stage', () => {
    expect(() => depthChoices(1)).toThrow(/1 block/);
    expect(() => createResNetSearchSpace({ blocksPerStage: 1, inputShape: [8, 8, 1], numClasses: 2 })).toThrow(/1 block/);
    expect(createResNetSearchSpace({ blocksPerStage: 1, inputShape: [8, 8, 1], numClasses: 2, searchDepth: false }).convs).toHaveLength(7);
  });
});

describe('createResNetSearchSpace', () => {
  it('lists the stem and two convs per block with their output sizes', () => {
    const space = createResNetSearchSpace({ blocksPerStage: 2, inputShape: [28, 28, 1], numClasses: 10 });
    expect(space.convs).toHaveLength(13);
    expect(space.convs.map((conv) => conv.outputSize[0])).toEqual([28, 28, 28, 28, 28, 14, 14, 14, 14, 7, 7, 7, 7]);
    expect(space.convs[5]).toMatchObject({ name: 'stage2/block0/conv_a', stride: 2, channels: 32 });
  });
});
