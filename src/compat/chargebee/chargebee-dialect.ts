import type { Dialect } from '../dialect.ts';

/** Placeholder: the Chargebee dialect is not implemented yet. */
export const chargebeeDialect: Dialect = {
  name: 'chargebee',
  acceptsBasePath: false,
  async register() {
    throw new Error('The chargebee dialect is not implemented yet.');
  },
};
