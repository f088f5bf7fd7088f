import swagger from '@fastify/swagger';
import type { FastifyInstance, preHandlerHookHandler } from 'fastify';
import type { AppDependencies } from '../app/dependencies.ts';
import { createEdgeAccess, installEdgeChecks, type EdgeAccess } from '../edge/access.ts';
import { createEdgeServer, type EdgeLogger } from '../edge/edge-server.ts';
import { authenticateRequest, bearerKey } from '../edge/request-context.ts';
import { errorBody, installErrorHandling, nativeErrorStatus, sendError } from './errors.ts';
import { installExactJsonParser } from '../edge/json-body.ts';
import { countPendingDeliveries } from '../app/webhook-endpoints.ts';
import { Metrics, type MetricsAccess } from '../edge/metrics.ts';
import { isPortalCustomerRoute, isPortalToken, portalContext, refuseOtherPortalCustomer, scopeToPortalCustomer } from './portal-access.ts';
import type { RouteDependencies } from './route-support.ts';
import { nativeRouteScope } from './route-scopes.ts';
import { installResponseCheck, type ResponseProblem } from './response-check.ts';
import { installRequestValidation } from './validation.ts';
import { registerAccountRoutes } from './routes/account-routes.ts';
import { registerAutoTopUpRoutes } from './routes/auto-top-up-routes.ts';
import { registerBalanceRoutes } from './routes/balance-routes.ts';
import { registerCheckoutRoutes } from './routes/checkout-routes.ts';
import { registerDebitRoutes } from './routes/debit-routes.ts';
import { registerExportRoutes } from './routes/export-routes.ts';
import { registerFinanceRoutes } from './routes/finance-routes.ts';
import { registerGrantRoutes, registerScheduleRoutes } from './routes/grant-routes.ts';
import { registerHoldRoutes } from './routes/hold-routes.ts';
import { registerPricingRoutes } from './routes/pricing-routes.ts';
import { registerPortalRoutes } from './routes/portal-routes.ts';
import { registerWebRoutes, type WebAssets } from './routes/web-routes.ts';
import { registerPurchaseRoutes } from './routes/purchase-routes.ts';
import { registerSecurityRoutes } from './routes/security-routes.ts';
import { registerEnvironmentRoutes } from './routes/environment-routes.ts';
import { registerUsageRoutes } from './routes/usage-routes.ts';
import { registerStripeWebhookRoutes } from './routes/stripe-webhook-routes.ts';
import { registerSystemRoutes } from './routes/system-routes.ts';
import { registerWebhookEndpointRoutes } from './routes/webhook-endpoint-routes.ts';

export interface ServerOptions {
  dependencies: AppDependencies;
  /** pino options; false for silence. */
  logger?: EdgeLogger;
  /** Builds the console and portal bundles (on the first request for a page); without it (in-process API tests) those pages are not served. */
  webAssets?: () => Promise<WebAssets>;
  /** Requests a second per API key on this node (429 with Retry-After beyond it); 0 or absent: no limit. Ignored when `access` is given. */
  rateLimitPerSecond?: number;
  /** Shared with the dialects this node serves, so a key has one rate limit across all of them. */
  access?: EdgeAccess;
  /** Who may read /metrics here (a bearer key), or that it is served on its own address instead. */
  metricsAccess?: MetricsAccess;
  /** The process's metrics, shared with the dialect ports; absent: this server keeps its own. */
  metrics?: Metrics;
  /** Tests: told of every response that does not match the schema its route documents (see response-check.ts). */
  checkResponse?: (problem: ResponseProblem) => void;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const server = createEdgeServer({
    newId: options.dependencies.newId,
    logger: options.logger ?? { level: 'info' },
    sendError,
    clientErrorResponse: (error, requestId) => ({ status: nativeErrorStatus[error.code].status, body: errorBody(error, requestId) }),
  });
  installRequestValidation(server);
  installExactJsonParser(server);
  if (options.checkResponse) installResponseCheck(server, options.checkResponse);
  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Creditbook API', version: '1.0.0', description: 'Prepaid credits: grants, debits, holds, balances at any moment.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  installErrorHandling(server);
  const metrics = options.metrics ?? new Metrics({ backlog: () => countPendingDeliveries(options.dependencies) });
  metrics.track(server, 'native');
  if (!options.metricsAccess?.ownAddress) metrics.serve(server, options.metricsAccess?.key);
  const access = options.access ?? createEdgeAccess(options.dependencies, { rateLimitPerSecond: options.rateLimitPerSecond });
  const routeDependencies: RouteDependencies = { app: options.dependencies, authenticator: access.authenticator };
  // A callback hook: a remembered key is answered in the same turn, without a promise.
  server.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/v1/')) return done();
    // A synchronous throw (a missing key) Fastify passes on as the request's error.
    const authenticated = authenticateRequest(request, reply, {
      access,
      key: bearerKey(request),
      otherCredential: (key) => (isPortalToken(key) ? portalContext(routeDependencies.app, request, key) : undefined),
    });
    if (authenticated instanceof Promise) authenticated.then(() => done(), done);
    else done();
  });
  server.addHook('preValidation', (request, _reply, done) => {
    // A POST without a body has no parameters: validate it as {} so the error names what is missing.
    if (request.body === undefined && request.method === 'POST') request.body = {};
    scopeToPortalCustomer(request);
    done();
  });
  // After validation, so a portal token's bad query is the 400 an API key's gets (portal-access.ts). Only on the
  // routes a portal token reads by customer: a hook on every route costs every request (a debit's among them) a pass.
  server.addHook('onRoute', (route) => {
    if (!isPortalCustomerRoute(route.method, route.url)) return;
    const refuse: preHandlerHookHandler = (request, _reply, done) => {
      refuseOtherPortalCustomer(request);
      done();
    };
    route.preHandler = [...(route.preHandler === undefined ? [] : [route.preHandler].flat()), refuse];
  });
  registerSystemRoutes(server, routeDependencies);
  await server.register(
    async (v1) => {
      installEdgeChecks(v1, 'native', nativeRouteScope);
      registerAccountRoutes(v1, routeDependencies);
      registerGrantRoutes(v1, routeDependencies);
      registerScheduleRoutes(v1, routeDependencies);
      registerDebitRoutes(v1, routeDependencies);
      registerHoldRoutes(v1, routeDependencies);
      registerBalanceRoutes(v1, routeDependencies);
      registerExportRoutes(v1, routeDependencies);
      registerPurchaseRoutes(v1, routeDependencies);
      registerFinanceRoutes(v1, routeDependencies);
      registerWebhookEndpointRoutes(v1, routeDependencies);
      registerAutoTopUpRoutes(v1, routeDependencies);
      registerPricingRoutes(v1, routeDependencies);
      registerUsageRoutes(v1, routeDependencies);
      registerPortalRoutes(v1, routeDependencies);
      registerSecurityRoutes(v1, routeDependencies);
      registerEnvironmentRoutes(v1, routeDependencies);
    },
    { prefix: '/v1' },
  );
  // Outside /v1 and not behind an API key: customers' browsers and payment providers call these.
  await registerCheckoutRoutes(server, routeDependencies);
  await registerStripeWebhookRoutes(server, routeDependencies);
  if (options.webAssets) registerWebRoutes(server, options.webAssets);
  return server;
}
