import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType, type TypeCheck } from '@sinclair/typebox/compiler';
import { validationError } from '../domain/errors.ts';

/**
 * Request validation for the JSON dialects (Stigg, Paygentic). It runs in the handlers, not
 * through Fastify's schema option, so it behaves the same whether the dialect
 * sits on its own port or is mounted on the main server (their Ajv settings differ).
 * Unknown fields are rejected; nothing is coerced.
 */
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function checkRequest<Schema extends TSchema>(schema: Schema, value: unknown, where: 'body' | 'query' | 'params'): Static<Schema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return value as Static<Schema>;
  const first = check.Errors(value).First()!;
  const param = first.path.replace(/^\//, '').split('/').join('.');
  if (param === '') throw validationError(where, where === 'body' ? 'The body must be a JSON object.' : `The ${where} are not valid.`);
  if (first.type === ValueErrorType.ObjectRequiredProperty) throw validationError(param, `'${param}' is required.`);
  if (first.type === ValueErrorType.ObjectAdditionalProperties) throw validationError(param, `Unknown parameter '${param}'.`);
  const expectation = first.message.charAt(0).toLowerCase() + first.message.slice(1);
  throw validationError(param, `'${param}' is invalid: ${expectation}.`);
}
