import fc from 'fast-check';

/**
 * What the property tests of a customer's walks through its wallets share (customer-entries and customer-debits):
 * the customer's three wallets, two units and a second key on one of them (the fixture adds the `tokens` unit).
 */
export const CUSTOMER_WALLETS = [
  { unit: 'credits', walletKey: '' },
  { unit: 'tokens', walletKey: '' },
  { unit: 'credits', walletKey: 'team' },
] as const;

/** Mostly null: most views list everything, some narrow it. */
export const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
