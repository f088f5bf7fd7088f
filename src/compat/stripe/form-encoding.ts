import type { FastifyInstance, FastifyRequest } from 'fastify';
import qs from 'qs';
import { CreditbookError } from '../../domain/errors.ts';
import { formBodyNotUtf8, refuseUndecodableEscapes, utf8BodyText } from '../../edge/utf8-text.ts';

/**
 * Stripe's wire encoding: `application/x-www-form-urlencoded` bodies and query
 * strings with nested brackets sent raw (`amount[monetary][value]=1000`,
 * `applicability_config[scope][prices][0][id]=price_a`), read with `qs`.
 * Leaves stay strings; the parameter readers convert them.
 */
const QS_OPTIONS: qs.IParseOptions = {
  depth: 6,
  arrayLimit: 100,
  parameterLimit: 1000,
  allowDots: false,
  allowPrototypes: false,
  plainObjects: true,
};

export function parseStripeForm(text: string): Record<string, unknown> {
  return qs.parse(text, QS_OPTIONS) as Record<string, unknown>;
}

/** The query string of a request, parsed as Stripe's clients encode it (Fastify's own parser does not nest). */
export function stripeQuery(request: FastifyRequest): Record<string, unknown> {
  const url = request.raw.url ?? request.url;
  const start = url.indexOf('?');
  return start === -1 ? {} : parseStripeForm(url.slice(start + 1));
}

/** Installs the form parser in the dialect's own (encapsulated) context; JSON and other bodies are refused as Stripe does. */
export function installFormParser(server: FastifyInstance): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      const text = utf8BodyText(body as Buffer, formBodyNotUtf8);
      refuseUndecodableEscapes(text, 'body');
      done(null, parseStripeForm(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  server.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if ((body as string).trim() === '') return done(null, {});
    done(new CreditbookError('validation_error', 'Send the body as application/x-www-form-urlencoded, as Stripe clients do.'), undefined);
  });
}
