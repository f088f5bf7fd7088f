import type { Dialect, DialectName } from './dialect.ts';

/** Every dialect Creditbook speaks. Each is off unless enabled (see `serve --help`). */
export async function loadDialect(name: DialectName): Promise<Dialect> {
  switch (name) {
    case 'stripe':
      return (await import('./stripe/stripe-dialect.ts')).stripeDialect;
    case 'chargebee':
      return (await import('./chargebee/chargebee-dialect.ts')).chargebeeDialect;
    case 'stigg':
      return (await import('./stigg/stigg-dialect.ts')).stiggDialect;
    case 'paygentic':
      return (await import('./paygentic/paygentic-dialect.ts')).paygenticDialect;
  }
}

export const dialectNames: readonly DialectName[] = ['stripe', 'chargebee', 'stigg', 'paygentic'];
