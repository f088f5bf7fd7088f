/*
 * Whether a route's body schema would take a value as a string: json-body.ts asks it before telling a client to
 * send an inexact JSON number as a string, so only a field that takes that string (an amount's "1e20") is told so.
 */

/** The parts of a request body's JSON schema that say what a parameter may be. */
interface BodySchema {
  type?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  anyOf?: BodySchema[];
  oneOf?: BodySchema[];
  properties?: Record<string, BodySchema>;
  patternProperties?: Record<string, BodySchema>;
  additionalProperties?: BodySchema | boolean;
  items?: BodySchema;
}

/**
 * Whether `schema` (a route's body schema) would take `literal` as the string at `path`: some branch there is a
 * string whose pattern and length allow it. False where the schema has no such parameter; undefined without a schema.
 */
export function schemaTakesAsString(schema: unknown, path: readonly string[], literal: string): boolean | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  return schemasAt(schema as BodySchema, path).some((branch) => takesString(branch, literal));
}

/** Every schema a value at `path` may be checked by: the branches of unions along the way, flattened. */
function schemasAt(schema: BodySchema, path: readonly string[]): BodySchema[] {
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return branches.flatMap((branch) => schemasAt(branch, path));
  if (path.length === 0) return [schema];
  const [name, ...rest] = path as [string, ...string[]];
  const children: BodySchema[] = [];
  if (schema.items) children.push(schema.items);
  const property = schema.properties && Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
  if (property) children.push(property);
  else {
    for (const [pattern, child] of Object.entries(schema.patternProperties ?? {})) if (new RegExp(pattern, 'u').test(name)) children.push(child);
    if (typeof schema.additionalProperties === 'object') children.push(schema.additionalProperties);
  }
  return children.flatMap((child) => schemasAt(child, rest));
}

function takesString(schema: BodySchema, literal: string): boolean {
  if (schema.type !== 'string') return false;
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(literal)) return false;
  return literal.length >= (schema.minLength ?? 0) && literal.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY);
}
