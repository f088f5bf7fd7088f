import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createCustomer } from '../../app/accounts.ts';
import type { AppDependencies } from '../../app/dependencies.ts';
import { stripeQuery } from './form-encoding.ts';
import { StripeParams } from './stripe-params.ts';
import { customerObject } from './stripe-presenters.ts';
import { callerOf, idempotencyOf } from './stripe-request.ts';
import { requireCustomer } from './stripe-wallets.ts';
import { sendOutcome } from '../../edge/outcome.ts';

/**
 * A minimal `POST /v1/customers` and `GET /v1/customers/{id}`: enough for a grant
 * to name a customer. A customer made here gets a generated `cus_…` ID, which is
 * also its Creditbook customer ID.
 */
export function registerCustomerRoutes(server: FastifyInstance, app: AppDependencies): void {
  server.post('/v1/customers', async (request, reply) => {
    const caller = callerOf(request);
    const params = StripeParams.of(request.body);
    params.unsupported(['expand']);
    const name = params.string('name', { maxLength: 256 });
    const email = params.string('email', { maxLength: 512 });
    const metadata = params.metadata('metadata');
    params.finish();
    const outcome = await createCustomer(app, {
      context: caller.context,
      input: {
        name: name ?? null,
        email: email ?? null,
        metadata: metadata === undefined || metadata === 'unset-all' ? {} : Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== '')),
      },
      idempotency: idempotencyOf(request, 'customers.create'),
      present: (customer) => ({ status: 200, body: customerObject(customer, caller.livemode) }),
    });
    return sendOutcome(reply, outcome);
  });

  server.get('/v1/customers/:id', async (request: FastifyRequest<{ Params: { id: string } }>) => {
    const caller = callerOf(request);
    const params = StripeParams.of(stripeQuery(request));
    params.unsupported(['expand']);
    params.finish();
    return customerObject(await requireCustomer(app, caller.context, request.params.id), caller.livemode);
  });
}
