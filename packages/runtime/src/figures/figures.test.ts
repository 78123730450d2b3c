import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { heatmapSvg } from './heatmap';
import { lineChartSvg } from './line-chart';
import { encodePng, imageGrid } from './png';

/** Reads back the chunks of a PNG, checking each CRC, and the unfiltered pixel rows. */
function decodePng(png: Buffer) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: Record<string, Buffer> = {};
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.subarray(offset + 4, offset + 8).toString('ascii');
    chunks[type] = png.subarray(offset + 8, offset + 8 + length);
    offset += 12 + length;
  }
  const width = chunks.IHDR.readUInt32BE(0);
  const height = chunks.IHDR.readUInt32BE(4);
  const channels = { 0: 1, 2: 3, 6: 4 }[chunks.IHDR[9] as 0 | 2 | 6];
  const raw = inflateSync(chunks.IDAT);
  const rows = Array.from({ length: height }, (_, row) => {
    expect(raw[row * (width * channels + 1)]).toBe(0);
    return [...raw.subarray(row * (width * channels + 1) + 1, (row + 1) * (width * channels + 1))];
  });
  return { width, height, channels, rows, chunks: Object.keys(chunks) };
}

describe('figures', () => {
  it('encodes PNG that decodes to the same pixels', () => {
    const data = Uint8Array.from([0, 64, 128, 255, 10, 20]);
    const decoded = decodePng(Buffer.from(encodePng({ width: 3, height: 2, channels: 1, data })));
    expect(decoded).toMatchObject({ width: 3, height: 2, channels: 1, chunks: ['IHDR', 'IDAT', 'IEND'] });
    expect(decoded.rows).toEqual([
      [0, 64, 128],
      [255, 10, 20],
    ]);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, data })).toThrow(/needs width · height · channels/);
  });

  it('tiles images into a grid, scaled, stretched per image, with coloured borders', () => {
    // Two 1×2 grey images: [0, 1] and [5, 7] (stretched each to black and white).
    const grid = imageGrid({ images: [0, 1, 5, 7], count: 2, shape: [1, 2, 1], columns: 2, scale: 1, padding: 1 });
    expect(grid).toMatchObject({ width: 7, height: 3, channels: 1 });
    expect([...grid.data.subarray(7, 14)]).toEqual([128, 0, 255, 128, 0, 255, 128]);
    const bordered = imageGrid({ images: [0, 1], count: 1, shape: [1, 1, 1], range: [0, 1], scale: 1, padding: 0, borders: [[255, 0, 0]] });
    expect(bordered).toMatchObject({ width: 3, height: 3, channels: 3 });
    expect([...bordered.data.subarray(0, 3)]).toEqual([255, 0, 0]);
    // The centre pixel: value 0 in range [0, 1] is black.
    expect([...bordered.data.subarray(12, 15)]).toEqual([0, 0, 0]);
  });

  it('draws line charts and heatmaps as standalone SVG', () => {
    const chart = lineChartSvg({ title: 'ratio <R>', series: [{ label: 'flops', points: [[1, 0.9], [2, 0.6], [3, Number.NaN]] }], yLabel: 'FLOPs / full' });
    expect(chart).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(chart).toContain('ratio &lt;R&gt;');
    expect(chart.match(/<path d="M[\d.]+,[\d.]+ L[\d.]+,[\d.]+"/)).not.toBeNull();
    expect(lineChartSvg({ title: 'empty', series: [] })).toBe('');
    const heatmap = heatmapSvg({ title: 'p', values: [[0, 0.5], [1, 0.25]], rowLabels: ['conv1', 'conv2'], columnLabels: ['1', '2'], cellText: [['4', '8'], ['16', '']] });
    expect(heatmap.match(/<rect x=/g)).toHaveLength(4);
    expect(heatmap).toContain('fill="rgb(8,48,107)"');
    expect(heatmap).toContain('>conv2<');
  });
});
