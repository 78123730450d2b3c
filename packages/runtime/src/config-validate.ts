import { z } from 'zod';
import type { ArtifactKind, ComponentKind, StepDefinition } from './contracts';
import { closestMatch, didYouMean } from './did-you-mean';
import { ConfigError, type ConfigIssue } from './errors';
import { componentKindLabels, type Registry } from './registry';
import { runConfigSchema, type RunConfig, type StepConfig } from './config-schema';
import { findReferences } from './references';
import { describeZodIssues, formatPath } from './zod-issues';

export { describeZodIssues, formatPath } from './zod-issues';

/** Keys a component reference may carry besides its own options. */
const referenceKeys = new Set(['use', 'weight']);
const referenceKinds: ComponentKind[] = ['models', 'losses', 'trainers', 'datasets', 'environments'];

/** Result of {@link validateConfig}: the config with every default filled in. */
export interface ValidatedConfig {
  config: RunConfig;
  /** Steps with their options parsed by each step's schema (defaults filled). */
  steps: StepConfig[];
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
  /** Artifacts produced by the steps validated so far: name → kind (`undefined` when the producer does not say). */
  const produced = new Map<string, ArtifactKind | undefined>();
  const hasData = (raw as { data?: unknown } | undefined)?.data !== undefined;

  // Data section: the dataset key and its options.
  const rawData = (raw as { data?: Record<string, unknown> } | undefined)?.data;
  let resolvedData: RunConfig['data'] | undefined = parsed.success ? parsed.data.data : undefined;
  if (rawData && typeof rawData === 'object' && rawData.dataset !== undefined) {
    const datasetValue = rawData.dataset;
    const spec = typeof datasetValue === 'string' ? { use: datasetValue } : (datasetValue as Record<string, unknown>);
    if (spec && typeof spec.use === 'string') {
      const resolved = resolveComponent('datasets', { ...spec, use: registry.resolveDatasetKey(spec.use) }, ['data', 'dataset'], registry, issues);
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
      if (id !== undefined) produced.set(id, undefined);
      return;
    }
    const definition = registry.get('steps', step.use);
    const { id: _id, use: _use, ...stepOptions } = step;
    const result = definition.options.safeParse(stepOptions);
    if (!result.success) {
      issues.push(...describeZodIssues(result.error, definition.options, stepOptions, ['steps', index]));
      // Still check nested components, so one run of validate reports everything.
      resolveNested(stepOptions, ['steps', index], registry, issues);
      if (id !== undefined) produced.set(id, undefined);
      return;
    }
    const options = result.data as Record<string, unknown>;
    // Nested component references ({ use: ... }) are checked against their own schemas.
    const resolvedOptions = resolveNested(options, ['steps', index], registry, issues) as Record<string, unknown>;
    checkReferences(definition, result.data, index, id, rawSteps, produced, hasData, issues);
    if (id !== undefined) resolvedSteps.push({ id, use: step.use, ...resolvedOptions });
  });

  if (issues.length > 0 || !parsed.success) {
    throw new ConfigError(issues, { source: options.source });
  }
  const config: RunConfig = { ...parsed.data, data: resolvedData, steps: resolvedSteps };
  return { config, steps: resolvedSteps };
}

const kindArticles: Record<ArtifactKind, string> = { model: 'a model', dataset: 'a dataset', architecture: 'an architecture', value: 'a value' };

/**
 * Checks the artifact references of one step (found by walking its schema's reference options)
 * against the artifacts of earlier steps, and its need of the run's data; then records what it produces.
 */
function checkReferences(
  definition: StepDefinition,
  options: unknown,
  index: number,
  id: string | undefined,
  rawSteps: unknown[],
  produced: Map<string, ArtifactKind | undefined>,
  hasData: boolean,
  issues: ConfigIssue[],
): void {
  const references = findReferences(definition.options, options);
  let needsData = typeof definition.needsData === 'function' ? definition.needsData(options) : definition.needsData === true;
  for (const reference of references) {
    const path = formatPath(['steps', index, ...reference.path]);
    if (reference.name === undefined) {
      if (reference.mark.runDataWhenAbsent) needsData = true;
      continue;
    }
    const available = [...produced.keys()];
    if (!produced.has(reference.name)) {
      const later = rawSteps.slice(index).some((other) => (other as { id?: string })?.id === reference.name);
      issues.push({
        path,
        message: later
          ? `uses "${reference.name}" before the step that produces it; move step "${reference.name}" earlier.`
          : `uses artifact "${reference.name}", which no earlier step produces. ${didYouMean(reference.name, available)}Earlier artifacts: ${available.join(', ') || '(none)'}.`,
      });
      continue;
    }
    const kind = produced.get(reference.name);
    if (kind !== undefined && !reference.mark.kinds.includes(kind)) {
      const wanted = reference.mark.kinds.map((wantedKind) => kindArticles[wantedKind]).join(' or ');
      const candidates = [...produced.entries()].filter(([, other]) => other !== undefined && reference.mark.kinds.includes(other)).map(([name]) => name);
      issues.push({
        path,
        message: `"${reference.name}" is ${kindArticles[kind]}, but ${wanted}${reference.mark.spec ? ' (or a spec { use: ... })' : ''} is needed here. ${candidates.length > 0 ? `Artifacts that fit: ${candidates.join(', ')}.` : 'No earlier step produces one.'}`,
      });
    }
  }
  if (needsData && !hasData) {
    const dataOption = references.find((reference) => reference.mark.runDataWhenAbsent);
    issues.push({
      path: formatPath(['steps', index]),
      message: `step "${id ?? index}" needs data: add a "data" section (e.g. data: { dataset: mnist })${dataOption ? ` or name a dataset artifact in "${dataOption.path.join('.')}"` : ''}.`,
    });
  }
  if (id === undefined) return;
  const declared = definition.produces;
  if (declared === undefined) produced.set(id, undefined);
  else if (typeof declared === 'string') produced.set(id, declared);
  else for (const [name, kind] of Object.entries(declared(options, id))) produced.set(name, kind);
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
