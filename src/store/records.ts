import type { Amount } from '../domain/amount.ts';
import type { Dimensions, FeatureDefinition, PriceDefinition } from '../domain/rating.ts';
import type {
  Allocation,
  GrantState,
  HoldState,
  DebitPolicy,
  Instant,
  LedgerEntryDraft,
  ScheduleState,
  WalletState,
} from '../domain/types.ts';

/** Rows as the app sees them. Every wallet-scoped row carries its environment and customer (for sharding by customer). */
export type EnvironmentMode = 'test' | 'live';

export interface EnvironmentRecord {
  id: string;
  mode: EnvironmentMode;
  name: string;
  /** A frozen test clock; null means the environment follows the real clock. */
  frozenClockAt: Instant | null;
  createdAt: Instant;
  /** Set once a test environment is deleted: its keys stop working and its data is never shown again. */
  deletedAt?: Instant | null;
}

export interface ApiKeyRecord {
  id: string;
  environmentId: string;
  keyHash: string;
  keyPrefix: string;
  /** A label for people; not unique. */
  name: string | null;
  /** What the key may do (app/scopes.ts); `["all"]` is a full-access key. */
  scopes: string[];
  createdAt: Instant;
  revokedAt: Instant | null;
  /** When it last authenticated, to within a minute (refreshed at most once a minute). */
  lastUsedAt: Instant | null;
}

/** One write an API key made; append-only. */
export interface AuditRecord {
  id: string;
  environmentId: string;
  apiKeyId: string;
  /** The surface's method and route, e.g. `POST /v1/debits` or `POST /compat/stigg/api/v1/credits/consumption`. */
  operation: string;
  /** The object the write created or changed, when it names one. */
  objectId: string | null;
  requestId: string;
  clientAddress: string;
  createdAt: Instant;
}

export interface UnitRecord {
  environmentId: string;
  code: string;
  scale: number;
  name: string | null;
  /** What a Stigg custom currency says about itself (migration 11); null or `{}` when not given. */
  description: string | null;
  symbol: string | null;
  /** The names of one unit and of several, given together or not at all. */
  unitNames: { singular: string; plural: string } | null;
  metadata: Metadata;
  createdAt: Instant;
}

export type Metadata = Record<string, string>;

export interface CustomerRecord {
  id: string;
  environmentId: string;
  externalId: string | null;
  name: string | null;
  email: string | null;
  metadata: Metadata;
  createdAt: Instant;
}

export interface WalletAddress {
  environmentId: string;
  customerId: string;
  unit: string;
  /** '' for the customer's default wallet in this unit. */
  walletKey: string;
}

export interface WalletRecord extends WalletState, WalletAddress {
  createdAt: Instant;
  /** Earliest time-driven event (activation, expiry) not yet booked; what the sweep looks for. */
  nextEventAt: Instant | null;
  /** Whether any recurring schedule was ever created on this wallet (so its schedules must be loaded). */
  hasSchedules: boolean;
  /**
   * Whether the wallet has a `wallet_settings` row (a threshold or an auto top-up). Set only by
   * writing the settings, never by `wallets.update`, so a stale record cannot clear it.
   */
  hasSettings: boolean;
  /**
   * The highest ID of a debit made on this wallet (null until one was, after migration 20). A new debit's ID is
   * above it (`app/debit-ids.ts`), so the wallet's debits take IDs in booking order on any number of nodes.
   */
  lastDebitId: string | null;
}

export interface GrantRecord extends GrantState, WalletAddress {
  walletId: string;
  /** The issuing schedule's period, copied for display (Paygentic's recurrencePeriod). */
  recurrencePeriod: string | null;
  name: string | null;
  metadata: Metadata;
  costAmount: Amount | null;
  costCurrency: string | null;
}

export interface ScheduleRecord extends ScheduleState, WalletAddress {
  walletId: string;
  name: string | null;
  metadata: Metadata;
  createdAt: Instant;
}

export interface HoldRecord extends HoldState, WalletAddress {
  walletId: string;
  metadata: Metadata;
}

export interface DebitRecord extends WalletAddress {
  id: string;
  walletId: string;
  amount: Amount;
  consumed: Amount;
  overdrawn: Amount;
  shortfall: Amount;
  feature: string | null;
  policy: DebitPolicy;
  holdId: string | null;
  allocations: Allocation[];
  occurredAt: Instant;
  metadata: Metadata;
  createdAt: Instant;
}

export interface LedgerEntryRecord extends LedgerEntryDraft, WalletAddress {
  id: string;
  walletId: string;
  createdAt: Instant;
}

export interface IdempotencyRecord {
  environmentId: string;
  scope: string;
  key: string;
  fingerprint: string;
  status: number;
  body: string;
  createdAt: Instant;
  expiresAt: Instant | null;
}

/** A caller's id for an operation (Chargebee's ledger operation `id`), unique per wallet and kept forever. */
export interface CallerOperationIdRecord {
  environmentId: string;
  customerId: string;
  walletId: string;
  id: string;
  /** The Creditbook operation it names. */
  operationId: string;
  /** What the first request asked for; a repeat with another fingerprint is a conflict. */
  fingerprint: string;
  /** The first response, answered again to a repeat. */
  status: number;
  body: string;
  createdAt: Instant;
}

export interface EventRecord {
  id: string;
  environmentId: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: Instant;
}

export interface PageRequest {
  limit: number;
  startingAfter: string | null;
  /** 'desc' (the default): newest first. 'asc': oldest first, `startingAfter` then being the last ID of the previous page too. */
  order?: 'asc' | 'desc';
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export type { GrantState, HoldState };

export interface FeatureRecord extends FeatureDefinition {
  environmentId: string;
  name: string | null;
  createdAt: Instant;
}

export interface PriceRecord extends PriceDefinition {
  environmentId: string;
  metadata: Metadata;
  createdAt: Instant;
}

/** A rated usage event as booked. consumed + overdrawn + shortfall = cost. */
export interface UsageEventRecord extends WalletAddress {
  /** The caller's ID, unique per environment forever. */
  id: string;
  walletId: string;
  feature: string;
  quantity: Amount;
  dimensions: Dimensions;
  /** When the usage happened (rated at this instant's price); booked at createdAt. */
  occurredAt: Instant;
  priceId: string;
  cost: Amount;
  consumed: Amount;
  overdrawn: Amount;
  shortfall: Amount;
  allocations: Allocation[];
  /** The debit that booked it; null when it cost nothing. */
  debitId: string | null;
  reservationId: string | null;
  metadata: Metadata;
  createdAt: Instant;
}
