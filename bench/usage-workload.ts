/**
 * The rated-usage workload shared by creditbook and its raw baselines: one token
 * feature with dimensions (model, direction), four prices (a list price per
 * 1,000 tokens, a dearer one for output, a still dearer one for model b's
 * output, and one customer's negotiated rate), 100 customers each with a
 * promotional grant for the feature and a paid grant for everything, and a
 * fixed sequence of events over them.
 */
export const USAGE_UNIT = 'credits';
export const USAGE_UNIT_SCALE = 4;
export const USAGE_FEATURE = 'tokens';
export const USAGE_CUSTOMERS = 100;
export const USAGE_GRANTS = [
  { amount: '100000', category: 'promotional' as const, appliesTo: [USAGE_FEATURE] },
  { amount: '100000000', category: 'paid' as const, appliesTo: [] as string[] },
];

export interface UsagePrice {
  amount: string;
  per: string;
  dimensions: Record<string, string>;
  /** Index of the customer with this negotiated rate, or null for a list price. */
  customer: number | null;
}

export const USAGE_PRICES: UsagePrice[] = [
  { amount: '0.15', per: '1000', dimensions: {}, customer: null },
  { amount: '0.6', per: '1000', dimensions: { direction: 'output' }, customer: null },
  { amount: '1.2', per: '1000', dimensions: { model: 'b', direction: 'output' }, customer: null },
  { amount: '0.1', per: '1000', dimensions: {}, customer: 0 },
];

const QUANTITIES = ['1840', '312', '12000', '77', '4096', '1'];
const MODELS = ['a', 'b'];
const DIRECTIONS = ['input', 'output'];

export interface PlannedUsage {
  customer: number;
  quantity: string;
  dimensions: Record<string, string>;
}

export function plannedUsage(index: number): PlannedUsage {
  return {
    customer: (index * 7919) % USAGE_CUSTOMERS,
    quantity: QUANTITIES[index % QUANTITIES.length]!,
    dimensions: { model: MODELS[(index >> 1) % MODELS.length]!, direction: DIRECTIONS[index % DIRECTIONS.length]! },
  };
}
