import type { AppDependencies } from '../app/dependencies.ts';
import { CreditbookError, validationError } from '../domain/errors.ts';
import type { EnvironmentRecord } from '../store/records.ts';
import type { PaymentProvider, PaymentProviderName } from './payment-provider.ts';
import { StripePaymentProvider, type StripeSettings } from './stripe-provider.ts';
import { TestPaymentProvider } from './test-provider.ts';

export interface PaymentSettings {
  /** Where this server is reachable by customers' browsers: the hosted checkout is `<publicUrl>/checkout/…`. */
  publicUrl: string;
  /** Lower-case ISO 4217; a purchase without `currency` uses it. */
  defaultCurrency: string;
  /** How long a checkout stays payable when the request does not say (paymentExpiresAt). */
  paymentWindowMs: number;
  stripe: StripeSettings | null;
}

export const DEFAULT_PAYMENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Settings from the environment:
 * PUBLIC_URL, DEFAULT_CURRENCY (usd), STRIPE_SECRET_KEY + STRIPE_WEBHOOK_SECRET
 * (enable Stripe), STRIPE_API_HOST / STRIPE_API_PORT / STRIPE_API_PROTOCOL.
 */
export function paymentSettingsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): PaymentSettings {
  const secretKey = environment.STRIPE_SECRET_KEY;
  const webhookSecret = environment.STRIPE_WEBHOOK_SECRET;
  const protocol = environment.STRIPE_API_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') throw new Error(`STRIPE_API_PROTOCOL must be http or https, not '${protocol}'.`);
  return {
    publicUrl: environment.PUBLIC_URL ?? `http://${environment.HOST ?? '127.0.0.1'}:${environment.PORT ?? '8080'}`,
    defaultCurrency: (environment.DEFAULT_CURRENCY ?? 'usd').toLowerCase(),
    paymentWindowMs: DEFAULT_PAYMENT_WINDOW_MS,
    stripe:
      secretKey && webhookSecret
        ? {
            secretKey,
            webhookSecret,
            ...(environment.STRIPE_API_HOST ? { host: environment.STRIPE_API_HOST } : {}),
            ...(environment.STRIPE_API_PORT ? { port: Number(environment.STRIPE_API_PORT) } : {}),
            ...(protocol ? { protocol } : {}),
          }
        : null,
  };
}

/**
 * The payment providers of one running Creditbook. Test environments default to
 * the built-in `test` provider; live environments to `stripe`, and never take
 * `test` (it takes no money, so it must never sell live credits).
 */
export class Payments {
  private readonly test: TestPaymentProvider;
  private readonly stripeProvider: StripePaymentProvider | null;

  constructor(readonly settings: PaymentSettings) {
    this.test = new TestPaymentProvider(() => this.settings.publicUrl);
    this.stripeProvider = settings.stripe ? new StripePaymentProvider(settings.stripe, () => `${this.settings.publicUrl.replace(/\/$/, '')}/checkout/done`) : null;
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

const configured = new WeakMap<AppDependencies, Payments>();

/**
 * Sets the payment settings of a running app (serve does this once it knows its
 * address). Anything not given comes from the environment variables.
 */
export function configurePayments(dependencies: AppDependencies, settings: Partial<PaymentSettings> = {}): Payments {
  const payments = new Payments({ ...paymentSettingsFromEnvironment(), ...settings });
  configured.set(dependencies, payments);
  return payments;
}

/** The payments of an app; configured from the environment variables on first use if nobody configured them. */
export function paymentsOf(dependencies: AppDependencies): Payments {
  return configured.get(dependencies) ?? configurePayments(dependencies);
}
