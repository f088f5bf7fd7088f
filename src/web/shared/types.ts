import type { operations } from '@creditbook/client';

/**
 * The API's views the pages read, taken from the client generated from
 * /openapi.json (never written by hand), so a change in the API breaks
 * `tsc -p src/web`. Amounts are exact decimal strings.
 */
type Operation = keyof operations;
type SuccessStatus = 200 | 201;
type JsonOf<R> = R extends { content: { 'application/json': infer Body } } ? Body : never;

/** The JSON body of an operation's success response (200 or 201). */
export type ResponseOf<Op extends Operation> = JsonOf<operations[Op]['responses'][Extract<keyof operations[Op]['responses'], SuccessStatus>]>;

/** One item of a list operation's page. */
type ItemOf<Op extends Operation> = ResponseOf<Op> extends { data: Array<infer Item> } ? Item : never;

// Only the views a page names; everything else is inferred from `unwrap(call)`.
export type Unit = ItemOf<'listUnits'>;
export type Grant = ItemOf<'listGrants'>;
export type LedgerEntry = ItemOf<'listLedgerEntries'>;
export type Purchase = ResponseOf<'createPurchase'>;
export type BalanceHistory = ResponseOf<'getBalanceHistory'>;
export type Runway = ResponseOf<'getRunway'>;
export type PortalSession = ResponseOf<'getPortalSession'>;
export type RevenueReport = ResponseOf<'getRevenueReport'>;
