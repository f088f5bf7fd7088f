import { Type } from '@sinclair/typebox';
import { listOf, NullableText, NullableTime, StringEnum, Time, view, AmountText } from './response-schemas.ts';
import { Amount, Currency, IdempotencyKeyField, Identifier, pageQuery, strictObject, Timestamp } from './schemas.ts';

/** Request and response schemas of refunds, credit notes and the revenue report (validation and /openapi.json). */

export const RefundPurchaseBody = strictObject({
  amount: Type.Optional(Type.Union([Amount, Type.Null()], { description: 'Credits to refund; default: every unused credit of the purchase (never consumed or held ones).' })),
  idempotencyKey: Type.Optional(IdempotencyKeyField),
});

export const ListCreditNotesQuery = strictObject({ ...pageQuery, purchaseId: Type.Optional(Identifier) });

export const RevenueReportQuery = strictObject({
  from: Timestamp,
  to: Type.Optional(Type.String({ description: 'RFC 3339, exclusive; default: now. Not later than now.', examples: ['2026-02-01T00:00:00.000Z'] })),
  currency: Currency,
  customerId: Type.Optional(Identifier),
  ...pageQuery,
});

/** Money as an exact decimal string in the currency; negative never occurs in a report. */
const Money = Type.String({ pattern: '^-?\\d+(\\.\\d+)?$', description: 'Money as an exact decimal string in the currency.', examples: ['14.28'] });
const CreditsAndMoney = view({ credits: AmountText, money: Money }, 'Credits and their money at cost basis.');

const revenueParts = {
  openingDeferred: CreditsAndMoney,
  paid: CreditsAndMoney,
  recognised: CreditsAndMoney,
  breakage: CreditsAndMoney,
  refunds: CreditsAndMoney,
  closingDeferred: CreditsAndMoney,
};

export const CreditNoteView = view(
  {
    object: Type.Literal('credit_note'),
    id: Type.String(),
    purchaseId: Type.String(),
    grantId: Type.String(),
    customerId: Type.String(),
    credits: AmountText,
    amount: Money,
    currency: Currency,
    provider: Type.String(),
    status: StringEnum(['pending', 'succeeded']),
    refundReference: NullableText,
    attempts: Type.Integer(),
    lastError: NullableText,
    createdAt: Time,
    refundedAt: NullableTime,
  },
  'A refund of unused paid credits: the credits voided and the money given back at cost basis. Pending until the provider has refunded it.',
);

const GrantRevenueView = view(
  { grantId: Type.String(), customerId: Type.String(), unit: Type.String(), source: Type.String(), credits: AmountText, price: Money, ...revenueParts },
  "One paid grant over the period: its parts in credits and money (closingDeferred is what is still deferred at 'to').",
);

const CreditsWithoutRevenueView = view(
  {
    unit: Type.String(),
    kind: StringEnum(['promotional', 'paid_without_cost']),
    opening: AmountText,
    granted: AmountText,
    consumed: AmountText,
    expiredOrVoided: AmountText,
    closing: AmountText,
  },
  'Credits that carry no revenue (promotional grants, paid grants without a cost), per unit, in credits.',
);

export const RevenueReportView = view(
  {
    object: Type.Literal('revenue_report'),
    currency: Currency,
    from: Time,
    to: Time,
    customerId: NullableText,
    closed: Type.Boolean({ description: "True once 'to' is a minute in the past: nothing can be booked into the period any more, so the report never changes." }),
    ...revenueParts,
    withoutRevenue: Type.Array(CreditsWithoutRevenueView),
    grants: listOf(GrantRevenueView, 'Per-grant rows (paid grants in this currency with anything in or before the period), by grant ID; page with limit and startingAfter.'),
  },
  'Deferred revenue over a period: openingDeferred + paid − recognised − breakage − refunds = closingDeferred, exactly.',
);
