import assert from 'node:assert/strict';
import { it } from 'node:test';
import Fastify from 'fastify';
import { registerWebRoutes } from './web-routes.ts';

it('serves the console shell on every /console path, the portal shell, and only the built assets, with a strict CSP', async () => {
  const server = Fastify();
  let builds = 0;
  registerWebRoutes(server, async () => {
    builds += 1;
    return { 'console.js': 'console()', 'console.css': 'body{}', 'portal.js': 'portal()', 'portal.css': 'p{}' };
  });
  for (const url of ['/console', '/console/customers/acme?unit=x', '/console/%3Cscript%3E']) {
    const page = await server.inject({ url });
    assert.equal(page.statusCode, 200, url);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.match(page.body, /<script type="module" src="\/assets\/console\.js\?v=\d+">/);
    assert.ok(!page.body.includes('<script>'), 'the path is never echoed');
    assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  }
  assert.match((await server.inject({ url: '/portal' })).body, /\/assets\/portal\.js/);
  const script = await server.inject({ url: '/assets/console.js' });
  assert.deepEqual([script.statusCode, script.headers['content-type'], script.body], [200, 'text/javascript; charset=utf-8', 'console()']);
  for (const url of ['/assets/missing.js', '/assets/..%2Fpackage.json', '/assets/%2e%2e%2fsrc']) assert.equal((await server.inject({ url })).statusCode, 404, url);
  assert.equal((await server.inject({ url: '/' })).headers.location, '/console');
  assert.equal(builds, 1, 'built once, on the first request');
  await server.close();
});
