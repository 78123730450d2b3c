export { chartPalette, escapeSvgText, lineChartSvg, type ChartSeries, type LineChartOptions } from './line-chart';
export { heatmapSvg, type HeatmapOptions } from './heatmap';
export { encodePng, imageGrid, type ImageGridOptions, type RasterImage } from './png';
