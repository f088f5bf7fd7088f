import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { createTestEnvironment, deleteTestEnvironment, isDefaultEnvironment, listTestEnvironments } from '../../app/environments.ts';
import type { EnvironmentRecord } from '../../store/records.ts';
import { contextOf } from '../../edge/request-context.ts';
import { toTimestamp } from '../../edge/time.ts';
import type { RouteDependencies } from '../route-support.ts';
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
    { schema: { tags: ['test environments'], operationId: 'createTestEnvironment', body: CreateTestEnvironmentBody, response: { 201: CreatedTestEnvironmentResponse } } },
    async (request, reply) => {
      const { environment, key } = await createTestEnvironment(app, { name: request.body.name, context: contextOf(request) });
      // The only time the key itself is shown; not idempotent on purpose (a stored replay would keep it).
      return reply.code(201).send({ ...testEnvironmentView(environment), key });
    },
  );

  server.get('/test-environments', { schema: { tags: ['test environments'], operationId: 'listTestEnvironments', response: { 200: listResponse(TestEnvironmentResponse) } } }, async (request) => {
    const environments = await listTestEnvironments(app, contextOf(request));
    return { object: 'list', data: environments.map(testEnvironmentView), hasMore: false };
  });

  server.delete<{ Params: Static<typeof IdParams> }>(
    '/test-environments/:id',
    { schema: { tags: ['test environments'], operationId: 'deleteTestEnvironment', params: IdParams, response: { 200: TestEnvironmentResponse } } },
    async (request) => testEnvironmentView(await deleteTestEnvironment(app, request.params.id, contextOf(request))),
  );
}
