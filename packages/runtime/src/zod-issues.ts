import { z } from 'zod';
import { didYouMean } from './did-you-mean';
import { ConfigError, InvalidArgumentError, type ConfigIssue } from './errors';

/** Formats a zod path as `steps[1].loss[0].use`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = root;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part as string];
  }
  return current;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current: z.ZodType = schema;
  for (let depth = 0; depth < 10; depth += 1) {
    const def = (current as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
    if (def.innerType && ['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(def.type)) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      current = def.in;
    } else {
      break;
    }
  }
  return current;
}

/** Keys an object schema at `path` allows (best effort, for "did you mean"). */
function allowedKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current: z.ZodType | undefined = schema;
  for (const part of path) {
    if (!current) return [];
    current = unwrap(current);
    const def = (current as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; options?: z.ZodType[] } } })._zod.def;
    if (def.type === 'object' && typeof part === 'string') current = def.shape?.[part];
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'union' && def.options) current = def.options.find((option) => unwrap(option)._zod.def.type === 'object');
    else return [];
  }
  if (!current) return [];
  current = unwrap(current);
  const def = (current as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; options?: z.ZodType[] } } })._zod.def;
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union' && def.options) {
    return [...new Set(def.options.flatMap((option) => allowedKeysAt(option, [])))];
  }
  return [];
}

/**
 * Turns zod issues into config issues that say where, what was found and what is allowed.
 * `prefix` is the path of the validated value inside the whole config.
 */
export function describeZodIssues(
  error: z.ZodError,
  schema: z.ZodType,
  value: unknown,
  prefix: ReadonlyArray<PropertyKey> = [],
  ignoredKeys: ReadonlySet<string> = new Set(),
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    const found = valueAt(value, issue.path);
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(schema, issue.path);
      for (const key of issue.keys) {
        if (ignoredKeys.has(key) && issue.path.length === 0) continue;
        issues.push({
          path: formatPath([...path, key]),
          message: `unknown option "${key}". ${didYouMean(key, allowed)}Allowed: ${allowed.join(', ') || '(none)'}.`,
        });
      }
    } else if (issue.code === 'invalid_value') {
      const values = (issue as unknown as { values: unknown[] }).values;
      const suggestion = typeof found === 'string' ? didYouMean(found, values.map(String)) : '';
      issues.push({
        path: formatPath(path),
        message: `found ${show(found)}. ${suggestion}Allowed: ${values.map((entry) => JSON.stringify(entry)).join(', ')}.`,
      });
    } else if (issue.code === 'invalid_type' && found === undefined) {
      issues.push({ path: formatPath(path), message: `missing (expected ${(issue as unknown as { expected: string }).expected}).` });
    } else {
      issues.push({ path: formatPath(path), message: `${issue.message}; found ${show(found)}.` });
    }
  }
  return issues;
}

/**
 * Parses a component's options (from a config or a spec built in code) with its schema and fills the
 * defaults. On failure throws one {@link ConfigError} listing every problem, each at its path under
 * `prefix` (e.g. `loss core:kd`), saying what was found and what is allowed.
 */
export function parseComponentOptions<Schema extends z.ZodType>(schema: Schema, value: unknown, prefix: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigError(
    describeZodIssues(result.error, schema, value).map((issue) => ({ path: issue.path ? `${prefix}.${issue.path}` : prefix, message: issue.message })),
  );
}

/**
 * Parses the options of a function called from code (a model builder, `createOptimizer`) and fills
 * the defaults. On failure throws one {@link InvalidArgumentError} listing every problem as
 * `path: message`.
 */
export function parseOptions<Schema extends z.ZodType>(schema: Schema, value: unknown, what: string): z.output<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = describeZodIssues(result.error, schema, value).map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
  throw new InvalidArgumentError('options', `invalid ${what} options: ${issues.join('; ')}`);
}
