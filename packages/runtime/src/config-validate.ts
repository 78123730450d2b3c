import { z } from 'zod';
import type { ComponentKind } from './contracts';
import { closestMatch, didYouMean } from './did-you-mean';
import { ConfigError, type ConfigIssue } from './errors';
import { componentKindLabels, type Registry } from './registry';
import { runConfigSchema, type RunConfig, type StepConfig } from './config-schema';

/** Keys a component reference may carry besides its own options. */
const referenceKeys = new Set(['use', 'weight']);
const referenceKinds: ComponentKind[] = ['models', 'losses', 'trainers', 'datasets', 'environments'];

/** Short dataset names accepted in `data.dataset`. */
const datasetAliases: Record<string, string> = {
  mnist: 'core:mnist',
  'fashion-mnist': 'core:fashion-mnist',
  synthetic: 'core:synthetic',
  idx: 'core:idx',
  cifar10: 'core:cifar10',
};

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

/** Result of {@link validateConfig}: the config with every default filled in. */
export interface ValidatedConfig {
  config: RunConfig;
  /** Steps with their options parsed by each step's schema (defaults filled). */
  steps: StepConfig[];
}

/** Resolves short dataset names (`mnist`) to registry keys (`core:mnist`). */
export function resolveDatasetKey(name: string): string {
  return datasetAliases[name] ?? name;
}

/**
 * Validates a whole config against the core schema and the registry's component schemas, before any
 * tensor exists. Collects every problem and throws one {@link ConfigError} listing them all.
 */
export function validateConfig(raw: unknown, registry: Registry, options: { source?: string } = {}): ValidatedConfig {
  const issues: ConfigIssue[] = [];
  const parsed = runConfigSchema.safeParse(raw);
  if (!parsed.success) {
    issues.push(...describeZodIssues(parsed.error, runConfigSchema, raw));
  }
  const rawSteps = Array.isArray((raw as { steps?: unknown })?.steps) ? ((raw as { steps: unknown[] }).steps) : [];
  const resolvedSteps: StepConfig[] = [];
  const seenIds = new Map<string, number>();

  // Data section: the dataset key and its options.
  const rawData = (raw as { data?: Record<string, unknown> } | undefined)?.data;
  let resolvedData: RunConfig['data'] | undefined = parsed.success ? parsed.data.data : undefined;
  if (rawData && typeof rawData === 'object' && rawData.dataset !== undefined) {
    const datasetValue = rawData.dataset;
    const spec = typeof datasetValue === 'string' ? { use: resolveDatasetKey(datasetValue) } : (datasetValue as Record<string, unknown>);
    if (spec && typeof spec.use === 'string') {
      const resolved = resolveComponent('datasets', { ...spec, use: resolveDatasetKey(spec.use) }, ['data', 'dataset'], registry, issues);
      if (resolved && resolvedData) resolvedData = { ...resolvedData, dataset: resolved as { use: string } };
    }
  }

  rawSteps.forEach((rawStep, index) => {
    if (rawStep === null || typeof rawStep !== 'object') return;
    const step = rawStep as Record<string, unknown>;
    const id = typeof step.id === 'string' ? step.id : undefined;
    if (id !== undefined) {
      if (seenIds.has(id)) {
        issues.push({ path: `steps[${index}].id`, message: `duplicate step id "${id}" (also steps[${seenIds.get(id)}]); ids name the artifacts a step produces and must be unique.` });
      } else {
        seenIds.set(id, index);
      }
    }
    if (typeof step.use !== 'string') return;
    if (!registry.has('steps', step.use)) {
      issues.push({ path: `steps[${index}].use`, message: unknownMessage('steps', step.use, registry) });
      return;
    }
    const definition = registry.get('steps', step.use);
    const { id: _id, use: _use, ...stepOptions } = step;
    const result = definition.options.safeParse(stepOptions);
    if (!result.success) {
      issues.push(...describeZodIssues(result.error, definition.options, stepOptions, ['steps', index]));
      // Still check nested components, so one run of validate reports everything.
      resolveNested(stepOptions, ['steps', index], registry, issues);
      return;
    }
    const options = result.data as Record<string, unknown>;
    // Nested component references ({ use: ... }) are checked against their own schemas.
    const resolvedOptions = resolveNested(options, ['steps', index], registry, issues) as Record<string, unknown>;
    // Artifact references must name earlier steps.
    if (definition.references) {
      const available = [...seenIds.entries()].filter(([, position]) => position < index).map(([name]) => name);
      for (const reference of definition.references(result.data)) {
        if (!available.includes(reference)) {
          const later = seenIds.has(reference) || rawSteps.slice(index + 1).some((other) => (other as { id?: string })?.id === reference);
          issues.push({
            path: `steps[${index}]`,
            message: later
              ? `uses "${reference}" before the step that produces it; move step "${reference}" earlier.`
              : `uses artifact "${reference}", which no earlier step produces. ${didYouMean(reference, available)}Earlier steps: ${available.join(', ') || '(none)'}.`,
          });
        }
      }
    }
    if (id !== undefined) resolvedSteps.push({ id, use: step.use, ...resolvedOptions });
  });

  if (issues.length > 0 || !parsed.success) {
    throw new ConfigError(issues, { source: options.source });
  }
  const config: RunConfig = { ...parsed.data, data: resolvedData, steps: resolvedSteps };
  return { config, steps: resolvedSteps };
}

function unknownMessage(kind: ComponentKind, key: string, registry: Registry): string {
  const label = componentKindLabels[kind];
  const available = registry.keys(kind);
  const namespace = key.includes(':') ? key.slice(0, key.indexOf(':')) : undefined;
  const loaded = registry.plugins().map((plugin) => plugin.meta.name);
  const pluginHint =
    namespace !== undefined && !loaded.includes(namespace)
      ? `Plugin "${namespace}" is not loaded: add its package (e.g. "@core/${namespace}") to "plugins". `
      : namespace === undefined
        ? `Keys are namespaced as "<plugin>:<name>". `
        : '';
  return `unknown ${label} "${key}". ${didYouMean(key, available)}${pluginHint}Loaded ${kind}: ${available.join(', ') || '(none)'}.`;
}

function findKind(key: string, registry: Registry, hint?: ComponentKind): ComponentKind | undefined {
  if (hint && registry.has(hint, key)) return hint;
  return referenceKinds.find((kind) => registry.has(kind, key));
}

const fieldKindHints: Record<string, ComponentKind> = {
  model: 'models',
  models: 'models',
  student: 'models',
  loss: 'losses',
  losses: 'losses',
  trainer: 'trainers',
  environment: 'environments',
  env: 'environments',
  dataset: 'datasets',
};

function resolveComponent(
  kindHint: ComponentKind | undefined,
  spec: Record<string, unknown>,
  path: Array<string | number>,
  registry: Registry,
  issues: ConfigIssue[],
): Record<string, unknown> | undefined {
  const key = spec.use as string;
  const kind = findKind(key, registry, kindHint);
  if (!kind) {
    const guessKind = kindHint ?? referenceKinds.find((candidate) => closestMatch(key, registry.keys(candidate)) !== undefined) ?? 'models';
    issues.push({ path: formatPath([...path, 'use']), message: unknownMessage(guessKind, key, registry) });
    return undefined;
  }
  const definition = registry.get(kind, key) as { options: z.ZodType };
  const componentOptions: Record<string, unknown> = {};
  const kept: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(spec)) {
    if (referenceKeys.has(name)) kept[name] = value;
    else componentOptions[name] = value;
  }
  const result = definition.options.safeParse(componentOptions);
  if (!result.success) {
    issues.push(...describeZodIssues(result.error, definition.options, componentOptions, path));
    return undefined;
  }
  return { ...kept, ...(result.data as Record<string, unknown>) };
}

function resolveNested(
  value: unknown,
  path: Array<string | number>,
  registry: Registry,
  issues: ConfigIssue[],
  hint?: ComponentKind,
): unknown {
  if (Array.isArray(value)) return value.map((item, index) => resolveNested(item, [...path, index], registry, issues, hint));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if (typeof record.use === 'string' && path.length > 2) {
    const resolved = resolveComponent(hint, record, path, registry, issues);
    return resolved ?? record;
  }
  const output: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) {
    output[key] = resolveNested(child, [...path, key], registry, issues, fieldKindHints[key] ?? hint);
  }
  return output;
}
