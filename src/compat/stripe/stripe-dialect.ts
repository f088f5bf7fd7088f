import type { Dialect } from '../dialect.ts';

/** Placeholder: the Stripe dialect is not implemented yet. */
export const stripeDialect: Dialect = {
  name: 'stripe',
  acceptsBasePath: false,
  async register() {
    throw new Error('The stripe dialect is not implemented yet.');
  },
};
