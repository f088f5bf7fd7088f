import type { Instant } from '../domain/types.ts';
import { toTimestamp } from '../edge/time.ts';

/** Stands for `at` while a body is rendered once. NUL never reaches a stored string (unsafe-text.ts). */
const AT_MARK = '\u0000at\u0000';
/** The mark as a JSON string's content (how the serializer writes it). */
const AT_MARK_JSON = JSON.stringify(AT_MARK).slice(1, -1);

/**
 * Response bodies rendered once per steady value (`BalanceResult.steadyKey`) and sent again with
 * only their `at` written in: a balance read of a wallet nothing happened to since is then a
 * string concatenation, not a view and a serialization (about a quarter of its CPU).
 *
 * The route's own serializer renders the body, with a mark where `at` goes, so the text is the
 * one it would send. A body whose other fields contain the mark's text is not kept: the mark must
 * split it in exactly two. Entries live as long as their key (a WeakMap).
 */
export class SteadyBodies {
  private readonly rendered = new WeakMap<object, readonly [string, string] | null>();

  /** The body kept for `key`, with `at` written in; undefined when none is kept. */
  bodyAt(key: object, at: Instant): string | undefined {
    const parts = this.rendered.get(key);
    return parts ? parts[0] + toTimestamp(at) + parts[1] : undefined;
  }

  /** Keeps the body `serialize` renders for `view` (a view with an `at` field) under `key`. */
  remember<View extends { at: string }>(key: object, view: View, serialize: (view: View) => string): void {
    const parts = serialize(Object.assign({}, view, { at: AT_MARK })).split(AT_MARK_JSON);
    this.rendered.set(key, parts.length === 2 ? [parts[0]!, parts[1]!] : null);
  }
}

/** The content type of a body sent as a string (Fastify's own for JSON). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
