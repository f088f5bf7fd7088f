import type { BalanceHistory } from '../app/balance-history.ts';
import type { RunwayResult } from '../app/runway.ts';
import { formatAmount } from '../domain/amount.ts';
import type { BalanceView } from '../domain/balance.ts';
import { toOptionalTimestamp, toTimestamp } from '../edge/time.ts';
import { Type, type Static } from '@sinclair/typebox';
import { HISTORY_INTERVALS } from './read-schemas.ts';
import { walletKeyView } from './presenters.ts';
import { AmountText, NullableTime, StringEnum, Time, view, WalletKeyView } from './response-schemas.ts';

/** Views of balance history and runway; amounts are decimal strings, times RFC 3339. */
function figures(balance: BalanceView) {
  return { available: formatAmount(balance.available), held: formatAmount(balance.held), net: formatAmount(balance.net) };
}

export function balanceHistoryView(history: BalanceHistory): Static<typeof BalanceHistoryResponse> {
  const wallet = history.wallet;
  return {
    object: 'balance_history',
    customerId: wallet.customerId,
    unit: wallet.unit,
    walletKey: walletKeyView(wallet.walletKey),
    interval: history.interval,
    from: toTimestamp(history.from),
    to: toTimestamp(history.to),
    opening: { at: toTimestamp(history.from), ...figures(history.opening) },
    data: history.points.map((point) => ({
      start: toTimestamp(point.start),
      end: toTimestamp(point.end),
      ...figures(point.balance),
      granted: formatAmount(point.granted),
      consumed: formatAmount(point.consumed),
      expired: formatAmount(point.expired),
      voided: formatAmount(point.voided),
    })),
  };
}

export function runwayView(runway: RunwayResult): Static<typeof RunwayResponse> {
  const wallet = runway.wallet;
  return {
    object: 'runway',
    customerId: wallet.customerId,
    unit: wallet.unit,
    walletKey: walletKeyView(wallet.walletKey),
    at: toTimestamp(runway.windowEnd),
    available: formatAmount(runway.balance.available),
    depletesAt: toOptionalTimestamp(runway.depletesAt),
    burnRate: {
      windowStart: toTimestamp(runway.windowStart),
      windowEnd: toTimestamp(runway.windowEnd),
      consumed: formatAmount(runway.burned),
      perDay: formatAmount(runway.burnPerDay),
    },
    expiringIn7Days: formatAmount(runway.expiringIn7Days),
    expiringIn30Days: formatAmount(runway.expiringIn30Days),
    expiring: runway.expiring.map((grant) => ({ grantId: grant.grantId, available: formatAmount(grant.available), expiresAt: toTimestamp(grant.expiresAt) })),
  };
}

const Figures = { available: AmountText, held: AmountText, net: { ...AmountText, description: 'available − overdraft.' } };

export const BalanceHistoryResponse = view(
  {
  object: Type.Literal('balance_history'),
  customerId: Type.String(),
  unit: Type.String(),
  walletKey: WalletKeyView,
  interval: StringEnum(HISTORY_INTERVALS),
  from: Time,
  to: Time,
  opening: view({ at: Time, ...Figures }, 'The balance at `from`.'),
  data: Type.Array(
    view({
      start: Time,
      end: Time,
      ...Figures,
      granted: { ...AmountText, description: 'Grants activated and floor top-ups in (start, end].' },
      consumed: { ...AmountText, description: 'Debits (with overdraft) and captured holds in (start, end].' },
      expired: AmountText,
      voided: AmountText,
    }, 'One bucket.'),
    { description: 'One point per bucket: the balance at its `end`, and what the ledger moved within it. The last point is the balance at `to`.' },
  ),
  },
  "A wallet's balance over time.",
);

export const RunwayResponse = view(
  {
  object: Type.Literal('runway'),
  customerId: Type.String(),
  unit: Type.String(),
  walletKey: WalletKeyView,
  at: Time,
  available: AmountText,
  depletesAt: { ...NullableTime, description: 'When nothing is left at the measured burn rate, with expiries applied; null if never.' },
  burnRate: view({
    windowStart: Time,
    windowEnd: Time,
    consumed: AmountText,
    perDay: { ...AmountText, description: 'consumed per day over the window, rounded down to 10 decimal places.' },
  }, 'Consumption over the window.'),
  expiringIn7Days: AmountText,
  expiringIn30Days: AmountText,
  expiring: Type.Array(view({ grantId: Type.String(), available: AmountText, expiresAt: Time }, 'A grant expiring within 30 days.')),
  },
  'When the credits run out at the recent burn rate.',
);
