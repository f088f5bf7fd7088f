/**
 * A `debit.created` event is found through its debit (issue 14): it takes its debit's ID
 * and is written without `customer_id` (`EventQueries.debitCreatedEventId`). A full index
 * would still give each such event a `NULL` key, a page written by every commit;
 * indexing only events with a customer spares it. Queries by customer (`customer_id = ?`)
 * imply the index's condition on both stores. The rebuild reads every event once.
 */
export const debitEventsThroughDebits = `
DROP INDEX events_customer;
CREATE INDEX events_customer ON events (environment_id, customer_id, id) WHERE customer_id IS NOT NULL;
`;
