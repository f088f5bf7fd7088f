import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the official stripe client sent, with its form body decoded (keys keep their brackets). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
}

interface RecordedSession {
  id: string;
  object: 'checkout.session';
  url: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  payment_intent: string | null;
  client_reference_id: string | null;
  expires_at: number;
  amount_total: number;
  currency: string;
  metadata: Record<string, string>;
}

interface RecordedIntent {
  id: string;
  object: 'payment_intent';
  status: 'processing' | 'succeeded' | 'requires_payment_method';
  amount: number;
  currency: string;
  last_payment_error: { type: string; code: string; decline_code: string } | null;
}

/**
 * Stands in for api.stripe.com (unreachable here): records what the official
 * `stripe` client sends and answers as Stripe does for the calls Creditbook
 * makes — Checkout Sessions (create, expire, retrieve), PaymentIntents and Refunds —
 * including Stripe's idempotent replay of a create with the same
 * Idempotency-Key, and a card error for `pm_card_chargeDeclined`. A PaymentIntent
 * for `pm_debit_processing` (a bank debit) answers `processing` until `settleIntent`;
 * a replay of its create repeats that first answer, as Stripe's does.
 */
export class StripeRecorder {
  readonly requests: RecordedRequest[] = [];
  readonly sessions = new Map<string, RecordedSession>();
  readonly intents = new Map<string, RecordedIntent>();
  private readonly byIdempotencyKey = new Map<string, unknown>();
  private counter = 0;
  /** Answers this many refund requests with a 500 (an outage), then refunds again. */
  failRefunds = 0;
  private server!: Server;
  port = 0;

  static async start(): Promise<StripeRecorder> {
    const recorder = new StripeRecorder();
    recorder.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'http://localhost');
        const form = Object.fromEntries(new URLSearchParams(request.method === 'GET' ? url.search : body));
        const recorded: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, headers: request.headers, form };
        recorder.requests.push(recorded);
        const { status, json } = recorder.answer(recorded);
        response.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${recorder.requests.length}` }).end(JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => recorder.server.listen(0, '127.0.0.1', resolve));
    recorder.port = (recorder.server.address() as AddressInfo).port;
    return recorder;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests to one path (method and path, e.g. `POST /v1/checkout/sessions`). */
  calls(route: string): RecordedRequest[] {
    return this.requests.filter((request) => `${request.method} ${request.path}` === route);
  }

  /** Marks a session paid at "Stripe" (as if the customer paid there). */
  complete(sessionId: string, paymentIntent: string): void {
    const session = this.sessions.get(sessionId)!;
    Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: paymentIntent });
  }

  /** A processing PaymentIntent settles at "Stripe": paid, or failed (back to `requires_payment_method`, with its error). */
  settleIntent(id: string, outcome: 'succeeded' | 'failed'): void {
    const intent = this.intents.get(id)!;
    if (outcome === 'succeeded') Object.assign(intent, { status: 'succeeded' });
    else Object.assign(intent, { status: 'requires_payment_method', last_payment_error: { type: 'card_error', code: 'payment_intent_payment_attempt_failed', decline_code: 'insufficient_funds' } });
  }

  private answer(request: RecordedRequest): { status: number; json: unknown } {
    const key = request.headers['idempotency-key'];
    const replayKey = typeof key === 'string' && request.method === 'POST' ? `${request.path} ${key}` : undefined;
    if (replayKey && this.byIdempotencyKey.has(replayKey)) return { status: 200, json: this.byIdempotencyKey.get(replayKey) };
    const result = this.route(request);
    if (replayKey && result.status === 200) this.byIdempotencyKey.set(replayKey, result.json);
    return result;
  }

  private route(request: RecordedRequest): { status: number; json: unknown } {
    const { method, path, form } = request;
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      this.counter += 1;
      const id = `cs_test_recorded_${this.counter}`;
      const session: RecordedSession = {
        id,
        object: 'checkout.session',
        url: `https://checkout.stripe.com/c/pay/${id}`,
        status: 'open',
        payment_status: 'unpaid',
        payment_intent: null,
        client_reference_id: form.client_reference_id ?? null,
        expires_at: Number(form.expires_at),
        amount_total: Number(form['line_items[0][price_data][unit_amount]']),
        currency: form['line_items[0][price_data][currency]'] ?? 'usd',
        metadata: { creditbook_purchase_id: form['metadata[creditbook_purchase_id]'] ?? '' },
      };
      this.sessions.set(id, session);
      return { status: 200, json: session };
    }
    const sessionMatch = /^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/.exec(path);
    if (sessionMatch) {
      const session = this.sessions.get(sessionMatch[1]!);
      if (!session) return { status: 404, json: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such checkout.session' } } };
      if (method === 'POST' && sessionMatch[2]) {
        if (session.status !== 'open') {
          return { status: 400, json: { error: { type: 'invalid_request_error', message: `Only Checkout Sessions with a status in ["open"] can be expired.` } } };
        }
        session.status = 'expired';
      }
      return { status: 200, json: session };
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      this.counter += 1;
      if (form.payment_method === 'pm_detached') {
        return { status: 400, json: { error: { type: 'invalid_request_error', code: 'resource_missing', message: "No such PaymentMethod: 'pm_detached'" } } };
      }
      if (form.payment_method === 'pm_card_chargeDeclined') {
        return { status: 402, json: { error: { type: 'card_error', code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } } };
      }
      const intent: RecordedIntent = {
        id: `pi_recorded_${this.counter}`,
        object: 'payment_intent',
        status: form.payment_method === 'pm_debit_processing' ? 'processing' : 'succeeded',
        amount: Number(form.amount),
        currency: form.currency ?? 'usd',
        last_payment_error: null,
      };
      this.intents.set(intent.id, intent);
      // A copy: the idempotent replay is the first answer, whatever became of the PaymentIntent since.
      return { status: 200, json: { ...intent } };
    }
    const intentMatch = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && intentMatch) {
      const intent = this.intents.get(intentMatch[1]!);
      if (!intent) return { status: 404, json: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent' } } };
      return { status: 200, json: intent };
    }
    if (method === 'POST' && path === '/v1/refunds') {
      if (this.failRefunds > 0) {
        this.failRefunds -= 1;
        return { status: 500, json: { error: { type: 'api_error', message: 'An unknown error occurred' } } };
      }
      this.counter += 1;
      return {
        status: 200,
        json: { id: `re_recorded_${this.counter}`, object: 'refund', status: 'succeeded', amount: Number(form.amount), payment_intent: form.payment_intent, currency: 'usd' },
      };
    }
    return { status: 404, json: { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } } };
  }
}
