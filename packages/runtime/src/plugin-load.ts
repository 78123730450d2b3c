import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { installCommand } from '@core/datasets';
import type { Plugin } from './contracts';
import type { ConfigIssue } from './errors';

/** Result of {@link loadPlugins}: the plugins found and a config issue for each that was not. */
export interface LoadedPlugins {
  plugins: Plugin[];
  issues: ConfigIssue[];
}

function esmEntry(packageJsonPath: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
      exports?: Record<string, unknown> | string;
      module?: string;
    };
    const root = typeof manifest.exports === 'object' && manifest.exports !== null ? (manifest.exports['.'] ?? manifest.exports) : undefined;
    const conditional = root && typeof root === 'object' ? (root as Record<string, unknown>).import : undefined;
    const target =
      typeof conditional === 'string'
        ? conditional
        : conditional && typeof conditional === 'object'
          ? ((conditional as Record<string, unknown>).default as string | undefined)
          : manifest.module;
    return typeof target === 'string' ? path.join(path.dirname(packageJsonPath), target) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves a package from the first directory that has it. Prefers the package's ESM entry, so a
 * plugin and the runtime it imports load as the same (ESM) copy as the CLI's runtime.
 */
function resolveFrom(specifier: string, directories: string[]): string | undefined {
  for (const directory of directories) {
    const require = createRequire(path.join(directory, 'noop.js'));
    try {
      const entry = esmEntry(require.resolve(`${specifier}/package.json`));
      if (entry && existsSync(entry)) return entry;
    } catch {
      // No resolvable package.json export: fall back to the main entry.
    }
    try {
      return require.resolve(specifier);
    } catch {
      // Try the next directory.
    }
  }
  return undefined;
}

/**
 * Imports plugin packages by name (never by path) and returns their exported `plugin`. Packages
 * resolve from the config's directory, then the working directory, then this package. Nothing is
 * registered here: the caller passes the plugins to `registry.use`.
 */
export async function loadPlugins(names: readonly string[], options: { directories?: string[] } = {}): Promise<LoadedPlugins> {
  const directories = [...(options.directories ?? []), process.cwd()];
  const plugins: Plugin[] = [];
  const issues: ConfigIssue[] = [];
  for (const [index, name] of names.entries()) {
    const where = `plugins[${index}]`;
    const resolved = resolveFrom(name, directories);
    let module: Record<string, unknown>;
    try {
      module = (await import(resolved ? pathToFileURL(resolved).href : name)) as Record<string, unknown>;
    } catch (error) {
      const notFound = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(String(error));
      issues.push({
        path: where,
        message: notFound
          ? `cannot find package "${name}". Install it next to your config (${installCommand([name], { directory: directories[0] })}) and check the spelling.`
          : `package "${name}" failed to load: ${(error as Error).message}`,
      });
      continue;
    }
    const plugin = (module.plugin ?? (module.default as Record<string, unknown> | undefined)?.plugin) as Plugin | undefined;
    if (!plugin || typeof plugin !== 'object' || !plugin.meta) {
      issues.push({ path: where, message: `package "${name}" does not export a plugin: a plugin package exports \`plugin = definePlugin({...})\`.` });
      continue;
    }
    plugins.push(plugin);
  }
  return { plugins, issues };
}

/** The keyword a plugin package lists in its package.json, by which {@link findInstalledPlugins} finds it. */
export const pluginKeyword = 'core-plugin';

function readManifest(file: string): { name?: string; keywords?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { name?: string; keywords?: unknown };
  } catch {
    return undefined;
  }
}

/**
 * Names of the plugin packages installed where `directories` (default: the working directory) can
 * import them: every package in a `node_modules` folder of those directories or their parents whose
 * package.json lists the keyword `core-plugin`, sorted. Reads package.json files only; imports nothing.
 */
export function findInstalledPlugins(directories: readonly string[] = [process.cwd()]): string[] {
  const found = new Set<string>();
  const visited = new Set<string>();
  for (const start of directories) {
    let directory = path.resolve(start);
    for (;;) {
      const modules = path.join(directory, 'node_modules');
      if (!visited.has(modules) && existsSync(modules)) {
        visited.add(modules);
        for (const entry of readdirSync(modules)) {
          if (entry.startsWith('.')) continue;
          const packageDirectories = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((inner) => path.join(modules, entry, inner)) : [path.join(modules, entry)];
          for (const packageDirectory of packageDirectories) {
            const manifest = readManifest(path.join(packageDirectory, 'package.json'));
            if (manifest?.name && Array.isArray(manifest.keywords) && manifest.keywords.includes(pluginKeyword)) found.add(manifest.name);
          }
        }
      }
      const parent = path.dirname(directory);
      if (parent === directory) break;
      directory = parent;
    }
  }
  return [...found].sort();
}
