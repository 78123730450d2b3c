import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from './errors';

/** A config read from disk, with where it came from (relative paths in it resolve against `directory`). */
export interface LoadedConfig {
  raw: unknown;
  /** Absolute path of the file, or `undefined` for an in-memory config. */
  file?: string;
  /** Directory relative paths (output, data directories) resolve against. */
  directory: string;
}

/**
 * Reads a YAML or JSON config file. A missing file or a syntax error becomes a {@link ConfigError}
 * that names the file, line and column.
 */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [{ path: '', message: code === 'ENOENT' ? `config file not found: ${absolute}. Check the path; examples live in examples/*.yaml.` : `cannot read ${absolute}: ${(error as Error).message}` }],
      { source: file, cause: error },
    );
  }
  return { raw: parseConfigText(text, absolute), file: absolute, directory: path.dirname(absolute) };
}

/** Parses YAML (a superset of JSON) config text. */
export function parseConfigText(text: string, source = 'config'): unknown {
  try {
    const value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError([{ path: '', message: `a config is a mapping with keys such as seed, plugins, data, steps; found ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}.` }], { source });
    }
    return value;
  } catch (error) {
    if (ConfigError.isInstance(error)) throw error;
    if (error instanceof YAMLParseError) {
      const position = error.linePos?.[0];
      throw new ConfigError([{ path: position ? `line ${position.line}, column ${position.col}` : '', message: error.message.split('\n')[0] }], { source, cause: error });
    }
    throw error;
  }
}
