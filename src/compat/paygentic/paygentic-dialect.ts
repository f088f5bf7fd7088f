import type { Dialect } from '../dialect.ts';

/** Placeholder: the Paygentic dialect is not implemented yet. */
export const paygenticDialect: Dialect = {
  name: 'paygentic',
  acceptsBasePath: true,
  async register() {
    throw new Error('The paygentic dialect is not implemented yet.');
  },
};
