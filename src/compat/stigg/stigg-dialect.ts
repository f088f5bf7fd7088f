import type { Dialect } from '../dialect.ts';

/** Placeholder: the Stigg dialect is not implemented yet. */
export const stiggDialect: Dialect = {
  name: 'stigg',
  acceptsBasePath: true,
  async register() {
    throw new Error('The stigg dialect is not implemented yet.');
  },
};
