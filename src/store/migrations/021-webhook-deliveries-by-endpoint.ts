/**
 * Pending webhook deliveries by endpoint, oldest due first (the webhooks' per-endpoint
 * share of a node's send slots). The claim skips endpoints that hold their share; on
 * `webhook_deliveries_due` alone it had to walk past every due delivery of such an
 * endpoint to reach the others', and a receiver that is down piles up due deliveries
 * at the front of that index (10-30 ms a claim at 100,000 on SQLite, on the event
 * loop). Through this index the claim finds each endpoint with pending deliveries by
 * a few seeks (a loose index scan) and reads the oldest due deliveries of the others
 * as ranges, so what a full endpoint has due costs it nothing
 * (`WebhookDeliveryQueries.claimDue`). Partial, as the due index is: delivered,
 * failed and canceled deliveries, the history, are not in it. Queries on it repeat
 * its condition (`status = 'pending'`) word for word, so both planners can use it.
 * Building it reads every delivery once.
 */
export const webhookDeliveriesByEndpoint = `
CREATE INDEX webhook_deliveries_endpoint_due ON webhook_deliveries (endpoint_id, next_attempt_at, id) WHERE status = 'pending';
`;
