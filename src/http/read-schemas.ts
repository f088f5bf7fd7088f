import { Type, type TLiteral } from '@sinclair/typebox';
import { Identifier, pageQuery, strictObject, Timestamp, walletReference } from './schemas.ts';

/** Query strings of the read API the console and portal use (lists with filters, history, runway). */
const optionalText = (maxLength: number) => Type.Optional(Type.String({ maxLength }));
const walletFilters = { customerId: Type.Optional(Identifier), unit: optionalText(64), walletKey: optionalText(200) };
function enumOf<const Values extends readonly string[]>(values: Values, description?: string) {
  return Type.Union(values.map((value) => Type.Literal(value)) as Array<TLiteral<Values[number]>>, description ? { description } : {});
}

export const LEDGER_ENTRY_TYPES = ['grant', 'debit', 'hold', 'release', 'capture', 'expiry', 'void', 'overdraft', 'repayment', 'adjustment'] as const;
export const HOLD_STATUSES = ['active', 'captured', 'released', 'expired'] as const;
export const HISTORY_INTERVALS = ['hour', 'day', 'week', 'month'] as const;

export const ListCustomersQuery = strictObject({
  ...pageQuery,
  search: Type.Optional(Type.String({ maxLength: 200, description: 'A part of the ID, name, external ID or email; case-insensitive.' })),
});

export const ListLedgerQuery = strictObject({
  ...pageQuery,
  ...walletFilters,
  grantId: Type.Optional(Identifier),
  type: Type.Optional(enumOf(LEDGER_ENTRY_TYPES)),
  from: Type.Optional({ ...Timestamp, description: 'Entries effective at or after this time.' }),
  to: Type.Optional({ ...Timestamp, description: 'Entries effective before this time.' }),
});

export const ListEventsQuery = strictObject({
  ...pageQuery,
  type: Type.Optional(
    Type.String({
      maxLength: 100,
      pattern: '^(\\*|[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*(\\.\\*)?)$',
      description: "'*', an exact type such as 'invoice.paid', or a family such as 'balance.*' (as webhook endpoints subscribe).",
    }),
  ),
  customerId: Type.Optional(Identifier),
});

export const ListDebitsQuery = strictObject({ ...pageQuery, ...walletFilters, feature: optionalText(100), holdId: Type.Optional(Identifier) });

export const ListHoldsQuery = strictObject({ ...pageQuery, ...walletFilters, status: Type.Optional(enumOf(HOLD_STATUSES, 'The status now: an active hold past its expiry is expired.')) });

export const BalanceHistoryQuery = strictObject({
  ...walletReference,
  walletKey: optionalText(200),
  from: Type.Optional({ ...Timestamp, description: 'Start of the range (exclusive); default 30 intervals before `to`.' }),
  to: Type.Optional({ ...Timestamp, description: 'End of the range (inclusive); default now. The last point is the balance at `to`.' }),
  interval: Type.Optional(enumOf(HISTORY_INTERVALS, 'Buckets split at UTC calendar boundaries (weeks start on Monday); default day.')),
});

export const RunwayQuery = strictObject({
  ...walletReference,
  walletKey: optionalText(200),
  windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'Days of consumption the burn rate is measured over, 1 to 365; default 30.' })),
});
