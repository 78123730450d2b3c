import { z } from 'zod';

/** One option of a component, as `core-run list` shows it. */
export interface OptionDescription {
  name: string;
  type: string;
  default?: unknown;
  required: boolean;
  description?: string;
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Record<string, unknown>[]).map(typeOf).join(' | ');
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as Record<string, unknown>[]).map(typeOf).join(' | ');
  if (schema.type === 'array') {
    const items = schema.items as Record<string, unknown> | undefined;
    return `${items ? typeOf(items) : 'unknown'}[]`;
  }
  if (schema.type === 'object') {
    const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
    if (properties && 'type' in properties && (properties.type as Record<string, unknown>).const !== undefined) {
      return `{ type: ${JSON.stringify((properties.type as Record<string, unknown>).const)} … }`;
    }
    return 'object';
  }
  if (schema.type === 'integer') return 'integer';
  return typeof schema.type === 'string' ? schema.type : 'unknown';
}

/** Lists the options of a zod object schema with their types and defaults. */
export function describeOptions(schema: z.ZodType): OptionDescription[] {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return [];
  }
  const properties = (json.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    type: typeOf(property),
    default: property.default,
    required: required.has(name) && property.default === undefined,
    description: typeof property.description === 'string' ? property.description : undefined,
  }));
}
