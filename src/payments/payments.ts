import { CreditbookError, validationError } from '../domain/errors.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import type { PaymentProvider, PaymentProviderName } from './payment-provider.ts';
import { StripePaymentProvider, type StripeSettings } from './stripe-provider.ts';
import { TestPaymentProvider } from './test-provider.ts';

export interface PaymentSettings {
  /** Lower-case ISO 4217; a purchase without `currency` uses it. */
  defaultCurrency: string;
  /** How long a checkout stays payable when the request does not say (paymentExpiresAt). */
  paymentWindowMs: number;
  /** Null: Stripe is not configured. */
  stripe: StripeSettings | null;
}

/**
 * The payment providers of one running Creditbook. Test environments default to
 * the built-in `test` provider; live environments to `stripe`, and never take
 * `test` (it takes no money, so it must never sell live credits).
 */
export class Payments {
  private readonly test: TestPaymentProvider;
  private readonly stripeProvider: StripePaymentProvider | null;

  /**
   * `publicUrl` is where customers' browsers reach this server (the hosted
   * checkout is `<publicUrl>/checkout/…`); asked at each use, since a server
   * that listens on port 0 learns its address after the payments are built.
   */
  constructor(
    readonly settings: PaymentSettings,
    private readonly publicUrl: () => string,
  ) {
    this.test = new TestPaymentProvider(publicUrl);
    this.stripeProvider = settings.stripe ? new StripePaymentProvider(settings.stripe, () => `${publicUrl().replace(/\/$/, '')}/checkout/done`) : null;
  }

  /** The origin customers' browsers see the hosted checkout at (`https://credits.example`). */
  publicOrigin(): string {
    return new URL(this.publicUrl()).origin;
  }

  /** The provider a new purchase in `environment` uses (`requested`, or the environment's default). */
  providerFor(environment: EnvironmentRecord, requested: PaymentProviderName | undefined): PaymentProvider {
    const name = requested ?? (environment.mode === 'test' ? 'test' : 'stripe');
    if (name === 'test' && environment.mode === 'live') {
      throw validationError('provider', 'The test payment provider takes no payment, so live environments cannot use it.');
    }
    return this.provider(name);
  }

  /** A provider by name, for a purchase that already has one. */
  provider(name: string): PaymentProvider {
    if (name === 'test') return this.test;
    if (name === 'stripe') return this.stripe();
    throw new CreditbookError('internal_error', `Unknown payment provider '${name}'.`);
  }

  stripe(): StripePaymentProvider {
    if (!this.stripeProvider) {
      throw new CreditbookError('not_supported', 'Stripe is not configured: start the server with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.', { param: 'provider' });
    }
    return this.stripeProvider;
  }
}
