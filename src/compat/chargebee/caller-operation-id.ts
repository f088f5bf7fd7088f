import type { CallerOperationId } from '../../app/caller-operation-ids.ts';
import { fingerprintOf } from '../../app/idempotency.ts';
import { parameterError } from './chargebee-errors.ts';
import { MAX_ID_LENGTH, type ChargebeeBody } from './chargebee-params.ts';

/** Letters, digits and `_ - . ~ @`: no spaces, slashes or other characters a path or a log would mangle. */
const CALLER_ID_PATTERN = /^[A-Za-z0-9_.~@-]+$/;
/** Creditbook's own operation ids (debits, holds, releases, grants, expiries, voids, adjustments): a caller's id never looks like one. */
const OWN_ID_PREFIX = /^(dbt|hld|rel|grt|exp|void|adj)_/;

/**
 * The caller's `id` for a capture, authorize, capture_authorization or
 * release_authorization, with the fingerprint a repeat is compared with: the
 * endpoint and every other parameter sent.
 */
export function callerOperationOf(body: ChargebeeBody, operation: string): CallerOperationId | undefined {
  const id = body.string('id', { maxLength: MAX_ID_LENGTH });
  if (id === undefined) return undefined;
  if (!CALLER_ID_PATTERN.test(id)) throw parameterError('id', "'id' may contain only letters, digits, '_', '-', '.', '~' and '@'.");
  if (OWN_ID_PREFIX.test(id)) throw parameterError('id', `'id' must not start with '${OWN_ID_PREFIX.exec(id)![0]}': Creditbook's own operation ids do.`);
  const { id: _id, ...parameters } = body.raw;
  return { id, fingerprint: fingerprintOf(`chargebee.${operation}`, parameters) };
}

/** The names a write's response shows: the operation's caller id and its parent's, where they have one. */
export function namesOf(pairs: ReadonlyArray<readonly [string, string | null | undefined]>): Map<string, string> {
  return new Map(pairs.filter((pair): pair is readonly [string, string] => typeof pair[1] === 'string'));
}
