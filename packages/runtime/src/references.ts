import { z } from 'zod';
import type { ArtifactKind } from './contracts';

/**
 * What a reference schema accepts, carried on the schema object under a `Symbol.for` key (so two
 * copies of this package, ESM and CJS, read each other's marks; no module-level table).
 */
export interface ReferenceMark {
  /** Artifact kinds the named artifact may have. */
  kinds: readonly ArtifactKind[];
  /** A `{ use: ... }` spec is accepted instead of a name (a model spec). */
  spec?: boolean;
  /** Leaving the option out means the run's `data` section. */
  runDataWhenAbsent?: boolean;
}

const markKey = Symbol.for('core.reference');

function mark<S extends z.ZodType>(schema: S, referenceMark: ReferenceMark): S {
  Object.defineProperty(schema, markKey, { value: referenceMark, enumerable: false });
  return schema;
}

/** The reference mark of a schema node, if it is a reference schema. */
export function referenceMarkOf(schema: z.ZodType): ReferenceMark | undefined {
  return (schema as unknown as Record<symbol, ReferenceMark | undefined>)[markKey];
}

/**
 * A reference to a registered component in config: `{ use: "<plugin>:<name>", ...options }`.
 * The runner validates the options against the component's own schema.
 */
export const componentSpec = z.looseObject({
  use: z.string().min(1),
});

/** A loss term in config: a component reference plus its weight in the sum (default 1). */
export const lossSpec = z.looseObject({
  use: z.string().min(1),
  weight: z.number().nonnegative().optional(),
});

/**
 * A step option naming an earlier step's artifact of one of `kinds` (`artifactReference('dataset')`).
 * Validation checks that an earlier step produces it, and its kind where the producer declares it.
 */
export function artifactReference(kinds: ArtifactKind | readonly ArtifactKind[]): z.ZodString {
  return mark(z.string().min(1), { kinds: typeof kinds === 'string' ? [kinds] : [...kinds] });
}

/**
 * A model option: the name of an earlier step's model or architecture artifact, or a model spec
 * `{ use: core:lenet5, ... }`. Resolve it with `context.resolveModel`.
 */
export const modelReference = mark(z.union([z.string().min(1), componentSpec]), { kinds: ['model', 'architecture'], spec: true });

/** Schema of a step's `data` option: a dataset artifact's name, or absent for the run's data. */
export function dataReference(): z.ZodOptional<z.ZodString> {
  return mark(z.string().min(1).optional(), { kinds: ['dataset'], runDataWhenAbsent: true });
}

/** One reference found in a step's options by {@link findReferences}. */
export interface FoundReference {
  /** Path of the option inside the step, e.g. `['teacher']`. */
  path: Array<string | number>;
  mark: ReferenceMark;
  /** The artifact name, or `undefined` when the option is absent (or a spec). */
  name?: string;
}

interface SchemaDefinition {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
}

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def;
}

const wrapperTypes = new Set(['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch', 'nonoptional']);

/**
 * Walks a step's options schema alongside the parsed options and returns every reference option:
 * marked schema nodes inside objects, arrays, records, unions and wrappers (`optional`, `default`).
 */
export function findReferences(schema: z.ZodType, value: unknown): FoundReference[] {
  const found: FoundReference[] = [];
  const visit = (node: z.ZodType | undefined, current: unknown, path: Array<string | number>, depth: number): void => {
    if (node === undefined || depth > 40) return;
    let cursor: z.ZodType = node;
    for (;;) {
      const referenceMark = referenceMarkOf(cursor);
      if (referenceMark !== undefined) {
        if (typeof current === 'string') found.push({ path, mark: referenceMark, name: current });
        else if (current === undefined) found.push({ path, mark: referenceMark });
        return;
      }
      const definition = definitionOf(cursor);
      if (wrapperTypes.has(definition.type) && definition.innerType) cursor = definition.innerType;
      else if (definition.type === 'pipe' && definition.in) cursor = definition.in;
      else break;
    }
    const definition = definitionOf(cursor);
    if (definition.type === 'object' && definition.shape) {
      const record = current !== null && typeof current === 'object' ? (current as Record<string, unknown>) : {};
      for (const [key, child] of Object.entries(definition.shape)) visit(child, record[key], [...path, key], depth + 1);
    } else if (definition.type === 'array' && Array.isArray(current)) {
      current.forEach((item, index) => visit(definition.element, item, [...path, index], depth + 1));
    } else if (definition.type === 'record' && current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current as Record<string, unknown>)) visit(definition.valueType, child, [...path, key], depth + 1);
    } else if (definition.type === 'union' && definition.options && current !== undefined) {
      const matching = definition.options.find((option) => option.safeParse(current).success);
      visit(matching, current, path, depth + 1);
    }
  };
  visit(schema, value, [], 0);
  return found;
}
