import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
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
          ? `cannot find package "${name}". Install it next to your config (pnpm add ${name}) and check the spelling.`
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
