import type { AppDependencies } from '../app/dependencies.ts';
import type { AttemptResult } from '../app/webhook-delivery.ts';
import type { EventRecord } from '../store/records.ts';
import type { EndpointShares, WebhookDeliveryRecord, WebhookEndpointRecord } from '../store/webhook-records.ts';
import { retryDelay, type DeliverySettings } from './delivery-settings.ts';
import { OutboundError, postGuarded, type OutboundPolicy } from './outbound-post.ts';
import { SendSlots } from './send-slots.ts';
import { signedHeaders } from './signing.ts';
import { credentialRedactor } from './url-credentials.ts';

/** What a receiver gets: the event as GET /v1/events shows it. */
export function webhookPayload(event: EventRecord): string {
  return JSON.stringify({ id: event.id, type: event.type, timestamp: new Date(event.createdAt).toISOString(), data: event.data });
}

/** What delivery needs: the app's store, clock and IDs, and where webhooks may go. */
export type DeliveryDependencies = Pick<AppDependencies, 'store' | 'clock' | 'newId' | 'secrets' | 'observer'> & { outbound: OutboundPolicy };

/**
 * One pass of the delivery worker, on every node: takes the node's free send
 * slots (`send-slots.ts`), claims at most that many due deliveries (leasing them,
 * under SKIP LOCKED, so no other node sends them meanwhile), skipping those of
 * endpoints that already hold their share of the slots, sends each at once
 * outside any transaction, then records each outcome. Resolves when every send it
 * started is recorded (a failure is thrown only then, so no send outlives it);
 * returns how many it claimed: 0 when no slot is free or nothing may be claimed.
 * Passes may overlap: sharing `slots`, they never have more than its capacity in
 * flight, nor more than its share to one endpoint (each claimed delivery is
 * counted as it is claimed, with no await between the check and the count).
 */
export async function deliverDueWebhooks(
  dependencies: DeliveryDependencies,
  settings: DeliverySettings,
  options: { limit?: number; slots?: SendSlots } = {},
): Promise<number> {
  const slots = options.slots ?? new SendSlots(settings.concurrency);
  const taken = slots.take(options.limit ?? settings.concurrency);
  if (taken === 0) return 0;
  // The endpoints counted for this pass's claim, one entry per claimed delivery.
  let counted: string[] = [];
  const uncount = () => {
    for (const endpointId of counted) slots.release(endpointId);
    counted = [];
  };
  const shares: EndpointShares = {
    room: (endpointId) => slots.room(endpointId),
    admit: (endpointId) => {
      if (!slots.admit(endpointId)) return false;
      counted.push(endpointId);
      return true;
    },
    release: (endpointId) => {
      const at = counted.lastIndexOf(endpointId);
      if (at < 0) return;
      counted.splice(at, 1);
      slots.release(endpointId);
    },
  };
  let claimed: WebhookDeliveryRecord[];
  try {
    const now = dependencies.clock.now();
    claimed = await dependencies.store.transaction((repository) => {
      // A store may run the work again (a retried or re-batched transaction): what an earlier run counted claimed nothing.
      uncount();
      return repository.webhookDeliveries.claimDue({ now, leaseUntil: now + leaseMs(settings), limit: taken, shares });
    });
  } catch (error) {
    uncount();
    slots.give(taken);
    throw error;
  }
  slots.give(taken - claimed.length);
  const outcomes = await Promise.allSettled(
    claimed.map((delivery) =>
      attemptDelivery(dependencies, settings, { delivery, trigger: 'automatic' }).finally(() => {
        slots.release(delivery.endpointId);
        slots.give();
      }),
    ),
  );
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return claimed.length;
}

/**
 * Long enough for an attempt to finish before another node may take the delivery
 * over: a claimed delivery is sent at once (it holds a send slot), and its send
 * times out after `timeoutMs`, so the lease outlasts the read, the send and the record.
 */
export function leaseMs(settings: DeliverySettings): number {
  return settings.timeoutMs * 3 + 30_000;
}

/**
 * Sends one delivery (which the caller has leased) and records the attempt in the
 * delivery log: 2xx delivers it; anything else schedules the next attempt with
 * exponential backoff, until `maxAttempts`, when it is `failed`.
 */
export async function attemptDelivery(
  dependencies: DeliveryDependencies,
  settings: DeliverySettings,
  input: { delivery: WebhookDeliveryRecord; trigger: 'automatic' | 'manual' },
): Promise<AttemptResult> {
  const { delivery } = input;
  const found = await dependencies.store.read(async (repository) => ({
    endpoint: await repository.webhookEndpoints.get(delivery.environmentId, delivery.endpointId),
    event: await repository.outbox.get(delivery.eventId),
  }));
  if (!found.endpoint || !found.event) return { delivered: false, statusCode: null, error: 'endpoint deleted' };
  const startedAt = dependencies.clock.now();
  const result = await send(dependencies, found.endpoint, found.event, { settings, at: new Date(startedAt) });
  const finishedAt = dependencies.clock.now();
  const attempt = delivery.attempts + 1;
  const status = result.delivered ? 'delivered' : attempt >= settings.maxAttempts ? 'failed' : 'pending';
  await dependencies.store.transaction(async (repository) => {
    await repository.webhookDeliveries.recordAttempt(delivery.id, {
      status,
      attemptedAt: startedAt,
      statusCode: result.statusCode,
      error: result.error,
      nextAttemptAt: status === 'pending' ? finishedAt + retryDelay(settings, attempt) : null,
    });
    await repository.webhookDeliveries.insertAttempt({
      id: dependencies.newId('wha'),
      environmentId: delivery.environmentId,
      endpointId: delivery.endpointId,
      deliveryId: delivery.id,
      attempt,
      trigger: input.trigger,
      startedAt,
      durationMs: finishedAt - startedAt,
      statusCode: result.statusCode,
      error: result.error,
      responseBody: result.responseBody,
    });
  });
  dependencies.observer.webhookAttempt({
    environmentId: delivery.environmentId,
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    attempt,
    trigger: input.trigger,
    outcome: status === 'pending' ? 'retrying' : status === 'delivered' ? 'delivered' : 'failed',
    statusCode: result.statusCode,
    error: result.error,
    seconds: (finishedAt - startedAt) / 1000,
  });
  return { delivered: result.delivered, statusCode: result.statusCode, error: result.error };
}

/** The endpoint's secret, opened, and its previous one while the rotation's grace period lasts. */
function signingSecrets(dependencies: DeliveryDependencies, endpoint: WebhookEndpointRecord, now: number): string[] {
  const secrets = [dependencies.secrets.open(endpoint.secret, endpoint.id)];
  if (endpoint.previousSecret !== null && endpoint.previousSecretExpiresAt !== null && now < endpoint.previousSecretExpiresAt) {
    secrets.push(dependencies.secrets.open(endpoint.previousSecret, endpoint.id));
  }
  return secrets;
}

async function send(
  dependencies: DeliveryDependencies,
  endpoint: WebhookEndpointRecord,
  event: EventRecord,
  { settings, at }: { settings: DeliverySettings; at: Date },
): Promise<AttemptResult & { responseBody: string | null }> {
  const body = webhookPayload(event);
  let secrets: string[];
  try {
    secrets = signingSecrets(dependencies, endpoint, at.getTime());
  } catch {
    return { delivered: false, statusCode: null, error: 'signing secret does not open (ENCRYPTION_KEY)', responseBody: null };
  }
  try {
    const url = new URL(endpoint.url);
    const reply = await postGuarded(url, {
      headers: signedHeaders({ secrets, messageId: event.id, at, body }),
      body,
      timeoutMs: settings.timeoutMs,
      policy: dependencies.outbound,
      // An endpoint stored before credentials were refused still sends them (url-credentials.ts); the log never keeps them.
      redact: credentialRedactor(url),
    });
    const delivered = reply.statusCode >= 200 && reply.statusCode < 300;
    return { delivered, statusCode: reply.statusCode, error: delivered ? null : `HTTP ${reply.statusCode}`, responseBody: reply.excerpt };
  } catch (error) {
    // Only generic texts reach the delivery log: a system error would map the network behind the server.
    return { delivered: false, statusCode: null, error: error instanceof OutboundError ? error.message : 'connection failed', responseBody: null };
  }
}
