import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createTestEnvironment, deleteTestEnvironment, isDefaultEnvironment, listTestEnvironments } from '../../app/environments.ts';
import type { EnvironmentRecord } from '../../store/records.ts';
import { contextOf } from '../../edge/request-context.ts';
import { toTimestamp } from '../../edge/time.ts';
import type { RouteDependencies } from '../route-support.ts';
import { routeSchema } from '../route-contract.ts';
import { IdParams } from '../schemas.ts';
import { CreatedTestEnvironmentResponse, CreateTestEnvironmentBody, listResponse, TestEnvironmentResponse } from '../security-schemas.ts';

export function testEnvironmentView(environment: EnvironmentRecord) {
  return {
    object: 'test_environment',
    id: environment.id,
    name: environment.name,
    default: isDefaultEnvironment(environment),
    clock: environment.frozenClockAt === null ? null : toTimestamp(environment.frozenClockAt),
    createdAt: toTimestamp(environment.createdAt),
    deletedAt: environment.deletedAt ? toTimestamp(environment.deletedAt) : null,
  };
}

/** Extra test environments (scope `keys:manage`: making one mints a key); a live key gets 403. */
export function registerEnvironmentRoutes(server: FastifyInstance, { app }: RouteDependencies): void {
  server.post<{ Body: Static<typeof CreateTestEnvironmentBody> }>(
    '/test-environments',
    { schema: routeSchema({ operationId: 'createTestEnvironment', summary: 'Create a test environment with its own clock (its key is shown once)', tags: ['test environments'], body: CreateTestEnvironmentBody, success: { 201: CreatedTestEnvironmentResponse } }) },
    async (request, reply) => {
      const { environment, key } = await createTestEnvironment(app, { name: request.body.name, context: contextOf(request) });
      // The only time the key itself is shown; not idempotent on purpose (a stored replay would keep it).
      return reply.code(201).send(Object.assign({}, testEnvironmentView(environment), { key }));
    },
  );

  server.get('/test-environments', { schema: routeSchema({ operationId: 'listTestEnvironments', summary: 'List test environments', tags: ['test environments'], success: { 200: listResponse(TestEnvironmentResponse) } }) }, async (request) => {
    const environments = await listTestEnvironments(app, contextOf(request));
    return { object: 'list', data: environments.map(testEnvironmentView), hasMore: false };
  });

  server.delete<{ Params: Static<typeof IdParams> }>(
    '/test-environments/:id',
    { schema: routeSchema({ operationId: 'deleteTestEnvironment', summary: 'Delete a test environment (not the default one)', tags: ['test environments'], params: IdParams, success: { 200: TestEnvironmentResponse }, errors: [409] }) },
    async (request) => testEnvironmentView(await deleteTestEnvironment(app, request.params.id, contextOf(request))),
  );
}
