import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installCommand, runBinaryCommand } from '@core/datasets';

/** What {@link findLocalInstall} found in a project. */
export type LocalInstall =
  | { kind: 'cli'; directory: string; version: string; bin: string }
  | { kind: 'runtime-only'; directory: string; version: string; project: string };

function readManifest(directory: string): { version?: string; bin?: string | Record<string, string> } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { version?: string; bin?: string | Record<string, string> };
  } catch {
    return undefined;
  }
}

/**
 * The directory of package `name` as Node would find it from `from`: the nearest
 * `node_modules/<name>` in `from` or a parent (real path, so pnpm's links compare equal).
 * NODE_PATH and global folders are left out on purpose: only the project's own install counts.
 */
function resolvePackageDirectory(name: string, from: string): string | undefined {
  let directory = path.resolve(from);
  for (;;) {
    const candidate = path.join(directory, 'node_modules', ...name.split('/'));
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    const parent = path.dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/**
 * The project directories a command works in: the config file's (or run directory's) directory for
 * `run`, `validate` and `resume`, then the working directory.
 */
export function projectDirectories(argv: readonly string[], cwd: string = process.cwd()): string[] {
  const [command, target] = argv.filter((argument) => !argument.startsWith('-'));
  const directories: string[] = [];
  if (target && ['run', 'validate', 'resume'].includes(command)) {
    const absolute = path.resolve(cwd, target);
    directories.push(existsSync(absolute) && statSync(absolute).isDirectory() ? absolute : path.dirname(absolute));
  }
  directories.push(path.resolve(cwd));
  return [...new Set(directories)];
}

/**
 * Looks for a `@core/cli` (or, failing that, a `@core/runtime`) that the project in `directories`
 * installs itself and that is not the one running now (`self`, this package's directory). A
 * `core-run` installed globally hands off to the project's CLI, so plugins, the runtime and
 * TensorFlow.js load once, from the project's `node_modules`.
 */
export function findLocalInstall(directories: readonly string[], self: string): LocalInstall | undefined {
  const selfDirectory = realpathSync(self);
  const selfRuntime = resolvePackageDirectory('@core/runtime', selfDirectory);
  for (const directory of directories) {
    const cli = resolvePackageDirectory('@core/cli', directory);
    if (cli !== undefined) {
      if (cli === selfDirectory) return undefined;
      const manifest = readManifest(cli);
      const bin = typeof manifest?.bin === 'string' ? manifest.bin : manifest?.bin?.['core-run'];
      if (bin) return { kind: 'cli', directory: cli, version: manifest?.version ?? 'unknown', bin: path.join(cli, bin) };
    }
    const runtime = resolvePackageDirectory('@core/runtime', directory);
    if (runtime !== undefined && runtime !== selfRuntime) {
      return { kind: 'runtime-only', directory: runtime, version: readManifest(runtime)?.version ?? 'unknown', project: directory };
    }
  }
  return undefined;
}

/** This package's directory (the one holding its package.json), from the built `dist/` or `src/`. */
export function ownPackageDirectory(moduleUrl: string): string {
  return path.resolve(path.dirname(fileURLToPath(moduleUrl)), '..');
}

/**
 * The message for a project that installs `@core/runtime` but not `@core/cli`: a global `core-run`
 * would load a second copy of the runtime and of TensorFlow.js beside the project's plugins.
 */
export function runtimeOnlyMessage(install: Extract<LocalInstall, { kind: 'runtime-only' }>): string {
  const options = { directory: install.project };
  return [
    `this project installs its own @core/runtime ${install.version} (${install.directory}) but not @core/cli, so this core-run`,
    'would load a second copy of the runtime and of TensorFlow.js beside it. Install the command in the project and run it from there:',
    `  ${installCommand(['@core/cli'], { ...options, dev: true })}`,
    `  ${runBinaryCommand('core-run', options)} …`,
    'Set CORE_RUN_GLOBAL=1 to run this copy anyway.',
  ].join('\n');
}
