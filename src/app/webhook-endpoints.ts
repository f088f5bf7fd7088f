import { notFound, validationError } from '../domain/errors.ts';
import type { Page, PageRequest } from '../store/records.ts';
import type { DeliveryStatus, WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord } from '../store/webhook-records.ts';
import { recordAudit } from './audit-log.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import { requireEventTypePattern } from './event-types.ts';
import type { IdempotencyRequest, Outcome, Presented } from './idempotency.ts';
import { idempotentWrite } from './idempotent-write.ts';
import type { AttemptResult } from './webhook-delivery.ts';

export interface CreateWebhookEndpointInput {
  url: string;
  /** `*` for all, exact types (`invoice.paid`), or families (`balance.*`). */
  eventTypes: string[];
  description?: string | null | undefined;
}

/** Presents an endpoint, with its (opened) secret or without. */
export type PresentEndpoint = (endpoint: WebhookEndpointRecord, options: { withSecret: boolean }) => Presented;

/** A rotation's grace period when the request names none, and the longest allowed. */
export const DEFAULT_SECRET_GRACE_MS = 24 * 60 * 60 * 1000;
export const MAX_SECRET_GRACE_MS = 7 * DEFAULT_SECRET_GRACE_MS;

/**
 * Registers a receiver. The response carries the signing secret. The secret is
 * kept only on the endpoint (sealed by the secret box), never in the stored
 * idempotent reply: a replay within 24 hours reads it from the endpoint.
 */
export async function createWebhookEndpoint(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: CreateWebhookEndpointInput; idempotency?: IdempotencyRequest | undefined; present: PresentEndpoint },
): Promise<Outcome> {
  const { context, input } = request;
  checkWebhookUrl(dependencies, input.url);
  input.eventTypes.forEach((type, index) => requireEventTypePattern(type, `eventTypes.${index}`));
  const endpoint: WebhookEndpointRecord = {
    id: dependencies.newId('we'),
    environmentId: context.environment.id,
    url: input.url,
    eventTypes: [...new Set(input.eventTypes)],
    secret: dependencies.webhooks.newSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    description: input.description ?? null,
    createdAt: dependencies.clock.now(),
    deletedAt: null,
  };
  const outcome = await idempotentWrite(dependencies, { context, idempotency: request.idempotency }, async (repository) => {
    await repository.webhookEndpoints.insert({ ...endpoint, secret: dependencies.secrets.seal(endpoint.secret, endpoint.id) });
    return request.present(endpoint, { withSecret: false });
  });
  return withSecret(dependencies, context, outcome, request.present);
}

/**
 * Issues a new signing secret. For `gracePeriodMs` (default 24 hours, at most 7
 * days; 0 ends it at once) every delivery is signed with the new and the old
 * secret, so receivers can switch over without dropping a webhook; then the old
 * one stops. The answer carries the new secret (as a create's does).
 */
export async function rotateWebhookSecret(
  dependencies: AppDependencies,
  request: { context: RequestContext; endpointId: string; gracePeriodMs: number; idempotency?: IdempotencyRequest | undefined; present: PresentEndpoint },
): Promise<Outcome> {
  const { context, endpointId } = request;
  if (!Number.isInteger(request.gracePeriodMs) || request.gracePeriodMs < 0 || request.gracePeriodMs > MAX_SECRET_GRACE_MS) {
    throw validationError('gracePeriodSeconds', `'gracePeriodSeconds' must be a whole number from 0 to ${MAX_SECRET_GRACE_MS / 1000}.`);
  }
  const outcome = await idempotentWrite(dependencies, { context, idempotency: request.idempotency }, async (repository) => {
    const endpoint = await repository.webhookEndpoints.get(context.environment.id, endpointId);
    if (!endpoint) throw notFound('webhook endpoint', endpointId, 'id');
    const { secrets } = dependencies;
    const keepOld = request.gracePeriodMs > 0;
    const rotation = {
      secret: secrets.seal(dependencies.webhooks.newSecret(), endpoint.id),
      // Opened and sealed again: a secret stored before ENCRYPTION_KEY was set is encrypted now.
      previousSecret: keepOld ? secrets.seal(secrets.open(endpoint.secret, endpoint.id), endpoint.id) : null,
      previousSecretExpiresAt: keepOld ? dependencies.clock.now() + request.gracePeriodMs : null,
    };
    await repository.webhookEndpoints.rotateSecret(context.environment.id, endpoint.id, rotation);
    return request.present({ ...endpoint, ...rotation }, { withSecret: false });
  });
  return withSecret(dependencies, context, outcome, request.present);
}

/**
 * A successful create or rotate answers with the endpoint's current secret,
 * read from the endpoint (a replay too, while the endpoint exists), since the
 * stored reply never holds it.
 */
async function withSecret(dependencies: AppDependencies, context: RequestContext, outcome: Outcome, present: PresentEndpoint): Promise<Outcome> {
  const id = (outcome.body as { id?: unknown }).id;
  if (typeof id !== 'string') return outcome;
  const endpoint = await dependencies.store.read((repository) => repository.webhookEndpoints.get(context.environment.id, id));
  if (!endpoint) return outcome;
  const secret = dependencies.secrets.open(endpoint.secret, endpoint.id);
  return Object.assign({}, present({ ...endpoint, secret }, { withSecret: true }), { replayed: outcome.replayed });
}

/**
 * Refuses what can be refused before any DNS lookup: a URL that is not http(s),
 * that carries credentials or port 0, or that names an internal address or
 * `localhost` (unless WEBHOOK_ALLOWED_HOSTS allows it). A host name is checked
 * again, with every address it resolves to, at each delivery.
 */
function checkWebhookUrl(dependencies: AppDependencies, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw validationError('url', "'url' must be an absolute http or https URL.");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw validationError('url', "'url' must be an absolute http or https URL.");
  const shapeRefusal = receiverUrlShapeRefusal(url);
  if (shapeRefusal !== null) throw validationError('url', shapeRefusal);
  const refusal = dependencies.webhooks.urlRefusal(url);
  if (refusal !== null) {
    throw validationError(
      'url',
      `'url' points at an internal address (${url.hostname}: ${refusal}); webhooks are sent only to public addresses. To deliver to a receiver on your own machine or network, start the server with WEBHOOK_ALLOWED_HOSTS listing it.`,
    );
  }
}

/** Why an http(s) URL cannot name a receiver whatever its host, as the 400's message, or null. */
function receiverUrlShapeRefusal(url: URL): string | null {
  // The URL is stored and shown in every read of the endpoint, so a password in
  // it would be handed to every key that may read; receivers authenticate
  // webhooks by their signature instead. The message does not repeat them. (An
  // endpoint stored before this check is shown masked: shownWebhookUrl.)
  if (url.username !== '' || url.password !== '') {
    return "'url' must not contain a user name or password; receivers verify webhooks by their signature (the webhook-signature header).";
  }
  // No receiver can listen on port 0 (binding it picks a free port), so such a URL could only fail.
  if (url.port === '0') return "'url' must not use port 0; give the receiver's port, or none for the scheme's default.";
  return null;
}

/** What reads show in place of a URL's user name and password (see `shownWebhookUrl`). */
export const URL_CREDENTIALS_MASK = '****';

/**
 * An endpoint's URL as every read shows it (the API's endpoint views, and so the
 * console). Creation refuses a URL with a user name or password, but an endpoint
 * stored before that refusal may still hold one, and showing it would hand the
 * password to every key that may read. So the whole user-info is replaced by
 * URL_CREDENTIALS_MASK, the user name too (in `https://<token>@host/` the user
 * name is the secret): `https://****@example.com/hooks`. The mask has a fixed
 * length, so it tells nothing about what it hides, and the result is still a URL.
 * A URL without user-info is shown exactly as stored. Deliveries still use the
 * stored URL (`webhooks/dispatcher.ts`): a receiver that worked keeps working.
 */
export function shownWebhookUrl(stored: string): string {
  let url: URL;
  try {
    url = new URL(stored);
  } catch {
    // Every version parsed the URL before storing it, so this is only a guard: mask whatever precedes an '@' in the authority.
    return stored.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:[/\\]*)[^/?#\\]*@/, `$1${URL_CREDENTIALS_MASK}@`);
  }
  if (url.username === '' && url.password === '') return stored;
  return `${url.protocol}//${URL_CREDENTIALS_MASK}@${url.host}${url.pathname}${url.search}${url.hash}`;
}

export async function getWebhookEndpoint(dependencies: AppDependencies, context: RequestContext, id: string): Promise<WebhookEndpointRecord> {
  const endpoint = await dependencies.store.read((repository) => repository.webhookEndpoints.get(context.environment.id, id));
  if (!endpoint) throw notFound('webhook endpoint', id, 'id');
  return endpoint;
}

export function listWebhookEndpoints(dependencies: AppDependencies, context: RequestContext, page: PageRequest): Promise<Page<WebhookEndpointRecord>> {
  return dependencies.store.read((repository) => repository.webhookEndpoints.list(context.environment.id, page));
}

/** Deletes an endpoint: it receives nothing more, and its pending deliveries are canceled. Its log stays. */
export async function deleteWebhookEndpoint(dependencies: AppDependencies, context: RequestContext, id: string): Promise<WebhookEndpointRecord> {
  return dependencies.store.transaction(async (repository) => {
    const endpoint = await repository.webhookEndpoints.get(context.environment.id, id);
    if (!endpoint) throw notFound('webhook endpoint', id, 'id');
    const deletedAt = dependencies.clock.now();
    await repository.webhookEndpoints.markDeleted(context.environment.id, id, deletedAt);
    await repository.webhookDeliveries.cancelPending(id);
    await recordAudit(dependencies, repository, context, id);
    return { ...endpoint, deletedAt };
  });
}

export interface DeliveryWithAttempts {
  delivery: WebhookDeliveryRecord;
  attempts: WebhookAttemptRecord[];
}

/** The endpoint's delivery log, newest first, each delivery with its attempts. */
export async function listDeliveries(
  dependencies: AppDependencies,
  context: RequestContext,
  input: { endpointId: string; status?: DeliveryStatus; page: PageRequest },
): Promise<Page<DeliveryWithAttempts>> {
  await getWebhookEndpoint(dependencies, context, input.endpointId);
  return dependencies.store.read(async (repository) => {
    const page = await repository.webhookDeliveries.list(
      context.environment.id,
      { endpointId: input.endpointId, ...(input.status !== undefined ? { status: input.status } : {}) },
      input.page,
    );
    const attempts = await repository.webhookDeliveries.attemptsOf(page.data.map((delivery) => delivery.id));
    return { data: page.data.map((delivery) => ({ delivery, attempts: attempts.filter((attempt) => attempt.deliveryId === delivery.id) })), hasMore: page.hasMore };
  });
}

/**
 * Manual resend: the delivery is sent again now, whatever its state (delivered,
 * failed or still retrying), with the same `webhook-id`, and the attempt is
 * logged. It is leased first, as a worker's claim would be, so no worker picks
 * it up meanwhile; receivers drop a duplicate by its `webhook-id` anyway.
 */
export async function resendDelivery(
  dependencies: AppDependencies,
  context: RequestContext,
  input: { endpointId: string; deliveryId: string },
): Promise<{ delivery: DeliveryWithAttempts; result: AttemptResult }> {
  await getWebhookEndpoint(dependencies, context, input.endpointId);
  const now = dependencies.clock.now();
  const delivery = await dependencies.store.transaction(async (repository) => {
    const found = await repository.webhookDeliveries.get(context.environment.id, input.deliveryId);
    if (!found || found.endpointId !== input.endpointId) throw notFound('delivery', input.deliveryId, 'deliveryId');
    await repository.webhookDeliveries.reschedule(found.id, now + dependencies.webhooks.leaseMs);
    await recordAudit(dependencies, repository, context, found.id);
    return { ...found, status: 'pending' as const };
  });
  const result = await dependencies.webhooks.attempt(delivery, 'manual');
  const updated = await dependencies.store.read(async (repository) => ({
    delivery: (await repository.webhookDeliveries.get(context.environment.id, delivery.id))!,
    attempts: await repository.webhookDeliveries.attemptsOf([delivery.id]),
  }));
  return { delivery: updated, result };
}

/** Webhook deliveries not yet delivered or given up, in every environment (a metric for operators). */
export function countPendingDeliveries(dependencies: AppDependencies): Promise<number> {
  return dependencies.store.read((repository) => repository.webhookDeliveries.countPending());
}
