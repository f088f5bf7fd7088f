import type { FastifyInstance } from 'fastify';

/** Built bundles by file name (console.js, console.css, portal.js, portal.css). */
export type WebAssets = Record<string, string>;

const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/**
 * The console (/console/…) and the customer portal (/portal): one HTML shell
 * each, whose script renders every page from the API. Any path under /console
 * serves the shell, so every page's URL can be shared and reloaded.
 *
 * The bundles are built on the first request for a page, once per process, so a
 * node that never serves the console never spends the build (many nodes start at once).
 */
export function registerWebRoutes(server: FastifyInstance, buildAssets: () => Promise<WebAssets>): void {
  let built: Promise<{ assets: WebAssets; html: Record<'console' | 'portal', string> }> | undefined;
  const load = () => {
    built ??= buildAssets().then((assets) => ({ assets, html: shells(assets) }));
    // A failed build is tried again on the next request instead of being remembered.
    built.catch(() => (built = undefined));
    return built;
  };
  const security = {
    'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
  server.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console'));
  for (const path of ['/console', '/console/*']) {
    server.get(path, { schema: { hide: true } }, async (_request, reply) => reply.headers(security).type('text/html; charset=utf-8').send((await load()).html.console));
  }
  server.get('/portal', { schema: { hide: true } }, async (_request, reply) => reply.headers(security).type('text/html; charset=utf-8').send((await load()).html.portal));
  server.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const text = (await load()).assets[request.params.file];
    if (text === undefined) return reply.code(404).type('text/plain').send('Not found');
    return reply.headers(Object.assign({}, security, { 'cache-control': 'public, max-age=3600' })).type(CONTENT_TYPES[request.params.file.split('.').pop() ?? ''] ?? 'text/plain').send(text);
  });
}

function shells(assets: WebAssets): Record<'console' | 'portal', string> {
  const version = String(Object.values(assets).reduce((sum, text) => sum + text.length, 0));
  const shell = (name: 'console' | 'portal', title: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${title}</title><link rel="stylesheet" href="/assets/${name}.css?v=${version}"></head>` +
    `<body><div id="root"></div><script type="module" src="/assets/${name}.js?v=${version}"></script></body></html>`;
  return { console: shell('console', 'Creditbook console'), portal: shell('portal', 'Your credits') };
}
