/** The API's views the pages read (amounts are exact decimal strings). */
export interface List<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
}

export interface Customer {
  id: string;
  name: string | null;
  externalId: string | null;
  email: string | null;
  createdAt: string;
}

export interface Wallet {
  id: string;
  customerId: string;
  unit: string;
  walletKey: string | null;
}

export interface Unit {
  code: string;
  scale: number;
  name: string | null;
}

export interface Balance {
  customerId: string;
  unit: string;
  available: string;
  held: string;
  scheduled: string;
  overdraft: string;
  at: string;
}

export interface Grant {
  id: string;
  customerId: string;
  unit: string;
  amount: string;
  available: string;
  consumed: string;
  status: string;
  category: string;
  expiresAt: string | null;
  effectiveAt: string;
  createdAt: string;
  name: string | null;
}

export interface Hold {
  id: string;
  unit: string;
  amount: string;
  feature: string | null;
  status: string;
  expiresAt: string;
  createdAt: string;
}

export interface LedgerEntry {
  id: string;
  customerId: string;
  unit: string;
  walletKey: string | null;
  sequence: number;
  type: string;
  grantId: string | null;
  debitId: string | null;
  holdId: string | null;
  amount: string;
  heldAmount: string;
  balanceAfter: string;
  effectiveAt: string;
  createdAt: string;
}

export interface Debit {
  id: string;
  unit: string;
  amount: string;
  consumed: string;
  feature: string | null;
  occurredAt: string;
}

export interface Purchase {
  id: string;
  unit: string;
  amount: string;
  price: string;
  currency: string;
  status: string;
  grantId: string;
  createdAt: string;
  paymentSession: { url: string | null } | null;
  invoice: Invoice;
}

export interface Invoice {
  id: string;
  status: string;
  currency: string;
  createdAt: string;
  paidAt: string | null;
}

export interface HistoryPoint {
  start: string;
  end: string;
  available: string;
  held: string;
  granted: string;
  consumed: string;
  expired: string;
  voided: string;
}

export interface BalanceHistory {
  from: string;
  to: string;
  data: HistoryPoint[];
  opening: { at: string; available: string };
}

export interface Runway {
  at: string;
  available: string;
  depletesAt: string | null;
  burnRate: { windowStart: string; windowEnd: string; consumed: string; perDay: string };
  expiringIn7Days: string;
  expiringIn30Days: string;
  expiring: Array<{ grantId: string; available: string; expiresAt: string }>;
}

export interface EventRecord {
  id: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
}

export interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  attempts: Array<{ attempt: number; trigger: string; startedAt: string; durationMs: number | null; statusCode: number | null; error: string | null }>;
}
