// What a user writes with @creditbook/client. The test compiles this file under
// `strict` on its own and runs it against a real server, so it has no casts.
import { createCreditbookClient, type CreditbookErrorCode } from '@creditbook/client';

export async function runUsageExample(baseUrl: string, apiKey: string, customerId: string) {
  const client = createCreditbookClient(baseUrl, apiKey);
  const unit = 'ai_credits';
  await client.POST('/v1/units', { body: { code: unit, scale: 2 } });
  await client.POST('/v1/customers', { body: { id: customerId } });

  // A retry with the same Idempotency-Key answers the first grant instead of granting twice.
  const grantOnce = () =>
    client.POST('/v1/grants', {
      params: { header: { 'Idempotency-Key': `welcome-${customerId}` } },
      body: { customerId, unit, amount: '100' },
    });
  const grantId: string = (await grantOnce()).data!.id;
  const retriedGrantId: string = (await grantOnce()).data!.id;
  for (const amount of ['5', '5', '2.5']) await client.POST('/v1/debits', { body: { customerId, unit, amount } });

  const available: string = (await client.GET('/v1/balances', { params: { query: { customerId, unit } } })).data!.available;
  const firstDebits = (await client.GET('/v1/debits', { params: { query: { customerId, limit: 2 } } })).data!;

  const { error } = await client.POST('/v1/debits', { body: { customerId, unit, amount: '1000' } });
  const refusedWith: CreditbookErrorCode | undefined = error?.error.code;

  return { grantId, retriedGrantId, available, debitCount: firstDebits.data.length, refusedWith };
}
