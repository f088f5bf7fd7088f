import { notFound, validationError } from '../domain/errors.ts';
import type { Page, PageRequest } from '../store/records.ts';
import type { DeliveryStatus, WebhookAttemptRecord, WebhookDeliveryRecord, WebhookEndpointRecord } from '../store/repository/webhook-queries.ts';
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

/**
 * Registers a receiver. The response carries the signing secret: the only time
 * it is shown (an idempotent replay within 24 hours shows the same response).
 */
export async function createWebhookEndpoint(
  dependencies: AppDependencies,
  request: { context: RequestContext; input: CreateWebhookEndpointInput; idempotency?: IdempotencyRequest | undefined; present: (endpoint: WebhookEndpointRecord) => Presented },
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
    description: input.description ?? null,
    createdAt: dependencies.clock.now(),
    deletedAt: null,
  };
  return idempotentWrite(dependencies, { context, idempotency: request.idempotency }, async (repository) => {
    await repository.webhookEndpoints.insert(endpoint);
    return request.present(endpoint);
  });
}

/**
 * Refuses what can be refused before any DNS lookup: a URL that is not http(s),
 * or that names an internal address or `localhost` (unless WEBHOOK_ALLOWED_HOSTS
 * allows it). A host name is checked again, with every address it resolves to,
 * at each delivery.
 */
function checkWebhookUrl(dependencies: AppDependencies, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw validationError('url', "'url' must be an absolute http or https URL.");
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw validationError('url', "'url' must be an absolute http or https URL.");
  const refusal = dependencies.webhooks.urlRefusal(url);
  if (refusal !== null) {
    throw validationError(
      'url',
      `'url' points at an internal address (${url.hostname}: ${refusal}); webhooks are sent only to public addresses. To deliver to a receiver on your own machine or network, start the server with WEBHOOK_ALLOWED_HOSTS listing it.`,
    );
  }
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
    return { ...found, status: 'pending' as const };
  });
  const result = await dependencies.webhooks.attempt(delivery, 'manual');
  const updated = await dependencies.store.read(async (repository) => ({
    delivery: (await repository.webhookDeliveries.get(context.environment.id, delivery.id))!,
    attempts: await repository.webhookDeliveries.attemptsOf([delivery.id]),
  }));
  return { delivery: updated, result };
}
