import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultConfiguration, readConfiguration } from './configuration.ts';

describe('configuration', () => {
  it('is the defaults when nothing is set', () => {
    assert.deepEqual(readConfiguration({}, {}), defaultConfiguration());
  });

  it('reads the environment, flags winning over variables', () => {
    const configuration = readConfiguration(
      { port: '9000', compat: 'stigg' },
      { PORT: '7000', HOST: '0.0.0.0', STRIPE_PORT: '8081', PUBLIC_URL: 'https://credits.example', DEFAULT_CURRENCY: 'EUR', WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_MAX_ATTEMPTS: '5' },
    );
    assert.equal(configuration.server.port, 9000);
    assert.equal(configuration.server.host, '0.0.0.0');
    assert.equal(configuration.server.publicUrl, 'https://credits.example');
    assert.deepEqual(configuration.dialects, { ports: { stripe: 8081 }, mounted: ['stigg'] });
    assert.equal(configuration.payments.defaultCurrency, 'eur');
    assert.equal(configuration.payments.stripe, null, 'Stripe needs both of its secrets');
    assert.deepEqual(configuration.webhooks, { ...defaultConfiguration().webhooks, retryBaseMs: 200, maxAttempts: 5 });
  });

  it('reads WEBHOOK_ALLOWED_HOSTS: names, addresses and networks', () => {
    const { webhookAllowedHosts } = readConfiguration({}, { WEBHOOK_ALLOWED_HOSTS: ' LocalHost. , 127.0.0.1, [::1], 10.0.0.0/8, ::ffff:192.168.0.0/112' });
    assert.deepEqual([...webhookAllowedHosts.names], ['localhost']);
    assert.deepEqual(
      webhookAllowedHosts.networks.map(([address, bits]) => `${address.toString()}/${bits}`),
      ['127.0.0.1/32', '::1/128', '10.0.0.0/8', '192.168.0.0/16'],
    );
  });

  it('enables Stripe with both secrets', () => {
    const { payments } = readConfiguration({}, { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_API_PORT: '12111', STRIPE_API_PROTOCOL: 'http' });
    assert.deepEqual(payments.stripe, { secretKey: 'sk_test_x', webhookSecret: 'whsec_x', port: 12111, protocol: 'http' });
  });

  it('refuses nonsense, naming the setting', () => {
    assert.throws(() => readConfiguration({}, { WEBHOOK_TIMEOUT_MS: 'soon' }), /WEBHOOK_TIMEOUT_MS/);
    assert.throws(() => readConfiguration({ port: '70000' }, {}), /--port/);
    assert.throws(() => readConfiguration({}, { COMPAT: 'paypal' }), /Unknown dialect 'paypal'/);
    assert.throws(() => readConfiguration({ 'rate-limit': '-1' }, {}), /--rate-limit/);
    assert.throws(() => readConfiguration({}, { STRIPE_API_PROTOCOL: 'ftp' }), /STRIPE_API_PROTOCOL/);
    assert.throws(() => readConfiguration({}, { WEBHOOK_ALLOWED_HOSTS: 'localhost,http://x/' }), /WEBHOOK_ALLOWED_HOSTS: 'http:\/\/x\/'/);
  });
});
