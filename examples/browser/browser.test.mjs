// Opens the page in real headless Chromium (Debian's package; installed here when missing), loads a
// freshly exported student with plain TensorFlow.js there, and checks its predictions for test
// images and for a digit drawn with the mouse against Node's for the same inputs. Saves a
// screenshot to examples/runs/browser/screenshot.png.
//   pnpm --dir examples test:browser          (BROWSER_TEST_MODEL=<exported model dir> to reuse one)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { fileSystemIO, runPipeline } from '@core/runtime';
import { chromium } from 'playwright-core';
import { sampleImages, startServer } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshot = path.join(here, '..', 'runs', 'browser', 'screenshot.png');
const temporary = mkdtempSync(path.join(os.tmpdir(), 'core-browser-test-'));
let server;
let context;
let modelDirectory;
let samples;
let nodeModel;

function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  if (process.getuid?.() !== 0) throw new Error(`${chromiumPath} is missing: install Debian's chromium (sudo apt-get install chromium) or set CHROMIUM_PATH.`);
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', 'chromium']]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${result.status})`);
  }
}

async function exportTinyStudent() {
  // A LeNet-5 × 0.25 trained for one epoch on 1,000 digits: enough to classify most test digits.
  const summary = await runPipeline(
    {
      config: {
        name: 'browser-student',
        seed: 3,
        backend: 'auto',
        data: { dataset: 'mnist', validation: 0, limit: { train: 1000, test: 100 } },
        steps: [
          { id: 'student', use: 'core:train', model: { use: 'core:lenet5', width: 0.25 }, epochs: 2, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.003 } },
          { id: 'export', use: 'core:export', model: 'student' },
        ],
      },
    },
    { runDirectory: path.join(temporary, 'run'), events: {} },
  );
  return path.join(summary.runDirectory, 'exports', 'student');
}

function nodeProbabilities(pixels) {
  return tf.tidy(() => {
    const [height, width, channels] = nodeModel.inputs[0].shape.slice(1);
    const input = tf.tensor4d(Float32Array.from(pixels), [1, height, width, channels]).sub(nodeModel.normalization.mean).div(nodeModel.normalization.std);
    return Array.from(tf.softmax(nodeModel.predict(input)).dataSync());
  });
}

function maxDifference(left, right) {
  assert.equal(left.length, right.length);
  return Math.max(...left.map((value, index) => Math.abs(value - right[index])));
}

before(async () => {
  ensureChromium();
  await tf.setBackend('cpu');
  modelDirectory = process.env.BROWSER_TEST_MODEL ?? (await exportTinyStudent());
  samples = await sampleImages(modelDirectory, 16);
  nodeModel = await tf.loadLayersModel(fileSystemIO(modelDirectory));
  nodeModel.normalization = JSON.parse(readFileSync(path.join(modelDirectory, 'preprocessing.json'), 'utf8')).normalization;
  server = await startServer({ modelDirectory, samples });
  context = await chromium.launchPersistentContext(path.join(temporary, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
    viewport: { width: 1000, height: 760 },
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  rmSync(temporary, { recursive: true, force: true });
});

async function openPage(query) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => window.classifier?.ready || window.classifier?.error, undefined, { timeout: 60_000 });
  const failure = await page.evaluate(() => window.classifier.error);
  assert.equal(failure, undefined, `the page failed: ${failure}`);
  assert.deepEqual(errors, []);
  return page;
}

test('the page classifies the test images as Node does, and a digit drawn with the mouse', async () => {
  const page = await openPage('?backend=cpu');
  const browser = await page.evaluate(() => window.classifier.samples);
  assert.equal(browser.length, samples.images.length);
  let correct = 0;
  browser.forEach((result, index) => {
    const expected = nodeProbabilities(samples.images[index]);
    assert.ok(maxDifference(result.probabilities, expected) < 1e-5, `test image ${index}: browser and Node probabilities differ`);
    assert.equal(result.predicted, expected.indexOf(Math.max(...expected)));
    if (result.predicted === samples.labels[index]) correct += 1;
  });
  assert.ok(correct >= samples.images.length / 2, `only ${correct} of ${samples.images.length} test images right`);

  // Draw a "7" on the pad: a stroke to the right, then down to the left.
  const box = await page.locator('#pad').boundingBox();
  const at = (x, y) => [box.x + box.width * x, box.y + box.height * y];
  await page.mouse.move(...at(0.25, 0.22));
  await page.mouse.down();
  await page.mouse.move(...at(0.75, 0.22), { steps: 12 });
  await page.mouse.move(...at(0.42, 0.82), { steps: 16 });
  await page.mouse.up();
  await page.waitForFunction(() => window.classifier.drawn !== undefined);
  const drawn = await page.evaluate(() => window.classifier.drawn);
  assert.ok(drawn.pixels.some((value) => value > 0.5), 'the stroke reached the model input');
  assert.ok(maxDifference(drawn.probabilities, nodeProbabilities(drawn.pixels)) < 1e-5, 'drawn digit: browser and Node probabilities differ');
  mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`browser: ${correct}/${samples.images.length} test images right, drawn digit classified as ${drawn.predicted}; screenshot ${screenshot}`);
});

test("the page runs on the browser's default backend too", async () => {
  const page = await openPage('');
  const { backend, results } = await page.evaluate(() => ({ backend: window.classifier.backend, results: window.classifier.samples }));
  const difference = Math.max(...results.map((result, index) => maxDifference(result.probabilities, nodeProbabilities(samples.images[index]))));
  console.log(`browser default backend ${backend}: largest probability difference from Node ${difference.toExponential(2)}`);
  assert.ok(difference < 1e-3);
});
