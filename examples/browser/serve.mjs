#!/usr/bin/env node
// Serves the page in this folder, TensorFlow.js from node_modules, an exported model and a few test
// images, on loopback:
//
//   node browser/serve.mjs --model runs/quickstart-<timestamp>/exports/student [--port 8080] [--samples 24]
//
// then open the printed address. A static host works the same: copy index.html, classify.js,
// tf.min.js (from @tensorflow/tfjs/dist) and the model directory side by side.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const types = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.bin': 'application/octet-stream', '.map': 'application/json' };

/** `count` test images of the data set the model was trained on (MNIST or Fashion-MNIST), as JSON. */
export async function sampleImages(modelDirectory, count) {
  if (count <= 0) return { images: [], labels: [] };
  const preprocessing = JSON.parse(await readFile(path.join(modelDirectory, 'preprocessing.json'), 'utf8'));
  const datasets = await import('@core/datasets');
  const fashion = preprocessing.classNames?.includes('T-shirt/top');
  const { test } = await (fashion ? datasets.loadFashionMnist : datasets.loadMnist)({ limit: { test: count } });
  const size = test.shape[0] * test.shape[1] * test.shape[2];
  const images = Array.from({ length: test.count }, (_, index) => Array.from(test.images.subarray(index * size, (index + 1) * size), (value) => Math.round(value * 1000) / 1000));
  return { images, labels: Array.from(test.labels) };
}

/**
 * Starts the server on 127.0.0.1 (`port` 0 picks a free one); resolves to `{ url, close }`.
 * `samples` is the JSON the page classifies first (`{ images: number[][], labels?: number[] }`).
 */
export async function startServer({ modelDirectory, port = 0, samples = { images: [] } }) {
  const tfjsDist = path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json')), 'dist');
  const routes = [
    ['/tfjs/', tfjsDist],
    ['/model/', path.resolve(modelDirectory)],
    ['/', here],
  ];
  const samplesJson = JSON.stringify(samples);
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const pathname = decodeURIComponent(url.pathname);
    if (pathname === '/samples.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(samplesJson);
      return;
    }
    for (const [prefix, directory] of routes) {
      if (!pathname.startsWith(prefix)) continue;
      const file = path.resolve(directory, `.${path.posix.sep}${pathname.slice(prefix.length) || 'index.html'}`);
      if (!file.startsWith(directory) || !existsSync(file) || !statSync(file).isFile()) break;
      response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(response);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { model: { type: 'string' }, port: { type: 'string', default: '8080' }, samples: { type: 'string', default: '24' } } });
  if (!values.model) {
    process.stderr.write('usage: node browser/serve.mjs --model <exported model directory> [--port 8080] [--samples 24]\n');
    process.exit(2);
  }
  const samples = await sampleImages(values.model, Number(values.samples));
  const { url } = await startServer({ modelDirectory: values.model, port: Number(values.port), samples });
  process.stdout.write(`open ${url} (Ctrl-C stops)\n`);
}
