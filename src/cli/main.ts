import { parseArgs } from 'node:util';
import { checkOperatorName } from '../app/operator-names.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../app/api-keys.ts';
import type { AppDependencies } from '../app/dependencies.ts';
import { createTestEnvironment, deleteTestEnvironment, listTestEnvironments } from '../app/environments.ts';
import { parseScopes, scopes } from '../app/scopes.ts';
import { exportKinds } from '../app/exports.ts';
import { verifyAll } from '../app/verify.ts';
import { migrations } from '../store/migrations/migrations.ts';
import { DEFAULT_DATABASE, describeDatabase, isMissingDatabase, openStore } from '../store/open-store.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { composeDependencies } from './composition-root.ts';
import { readConfiguration } from './configuration.ts';
import { runExport } from './export-command.ts';
import { serve } from './serve.ts';

const usage = `Usage: creditbook <command> [options]

Commands:
  serve                         Serve the API (migrates first, creating the database if needed; on an empty one prints a test key)
  migrate                       Create the database if needed and apply pending migrations
  verify                        Recompute every balance from the ledger, tie every debit to it; exit 1 on any difference
  keys create --env test|live [--name <text>] [--scopes <list>]
                                Create an API key; prints only the key. Scopes (comma-separated;
                                default all): ${scopes.join(', ')}
  keys list                     List API keys: id, environment, name, scopes, created, last used (never the keys themselves)
  keys revoke <keyId>           Revoke an API key
  env create --test [--name <text>]
                                Create a test environment (empty, its own clock frozen at now);
                                prints only its first key (full access); its id goes to stderr
  env list                      List test environments: id, name, clock, created
  env delete <envId>            Delete a test environment (not the default one): its keys stop working
  export ${exportKinds.join('|')} --from <time> --to <time> [--format csv|jsonl] [--out <file>]
         [--customer <id>] [--unit <code>] [--currency <iso>] [--env live|test|<envId>]
                                Stream an export (docs/exports.md) to stdout, or to a file written whole
                                or not at all; the window is [from, to), RFC 3339; default --env live

Every command but serve and migrate needs an existing database (exit 2 otherwise).

Options:
  --version                     Print the version
  --db <path | postgres://…>    Database (default: $DATABASE_URL or ${DEFAULT_DATABASE})
  --port <n>                    Port for serve (default: $PORT or 8080)
  --host <address>              Address for serve (default: $HOST or 127.0.0.1)
  --env test|live               Environment for keys create (export also takes an environment ID; default live)
  --stripe-port <n>             Serve the Stripe dialect at the root of this port (also $STRIPE_PORT)
  --chargebee-port <n>          Serve the Chargebee dialect at the root of this port (also $CHARGEBEE_PORT)
  --stigg-port <n>              Serve the Stigg dialect at the root of this port (also $STIGG_PORT)
  --paygentic-port <n>          Serve the Paygentic dialect at the root of this port (also $PAYGENTIC_PORT)
  --compat <list>               Mount dialects under /compat/<vendor> on the main port, e.g. stigg,paygentic (also $COMPAT)
  --rate-limit <n>              Requests a second per API key on each node, on every port and dialect, 429 beyond it (also $RATE_LIMIT; default: none)
  --metrics-key <key>           /metrics requires \`Authorization: Bearer <key>\` (also $METRICS_KEY; default: open)
  --metrics-address <host:port> Serve /metrics only there, not on the main port (also $METRICS_ADDRESS)`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      env: { type: 'string' },
      'stripe-port': { type: 'string' },
      'chargebee-port': { type: 'string' },
      'stigg-port': { type: 'string' },
      'paygentic-port': { type: 'string' },
      compat: { type: 'string' },
      'rate-limit': { type: 'string' },
      'metrics-key': { type: 'string' },
      'metrics-address': { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      test: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      customer: { type: 'string' },
      unit: { type: 'string' },
      currency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const [command, subcommand, argument] = positionals;
  if (values.version) {
    console.log(packageJson.version);
    return 0;
  }
  if (values.help || !command) {
    console.log(usage);
    return command || values.help ? 0 : 1;
  }
  const { help: _help, env, name, scopes: scopeList, test, from, to, format, out, customer, unit, currency, ...flags } = values;
  const configuration = readConfiguration(flags, process.env);
  if (command === 'serve') {
    await serve(configuration);
    return -1; // keeps running
  }
  if (command === 'migrate') return migrate(configuration.database);
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    // Only serve and migrate create a database: a mistyped path must not look like an empty, healthy one.
    store = await openStore(configuration.database, { create: false });
    await store.migrate();
  } catch (error) {
    if (!isMissingDatabase(error)) throw error;
    console.error(`creditbook ${command}: the database ${describeDatabase(configuration.database)} does not exist. Check --db (or DATABASE_URL); \`creditbook migrate\` creates one.`);
    return 2;
  }
  try {
    const dependencies = composeDependencies(store, { configuration });
    switch (command) {
      case 'verify': {
        const report = await verifyAll(dependencies);
        for (const problem of report.problems) console.error(problem);
        console.log(`verify ${describeDatabase(configuration.database)}: ${report.walletsChecked} wallets checked, ${report.problems.length} problems`);
        return report.problems.length === 0 ? 0 : 1;
      }
      case 'keys':
        return await keys(dependencies, subcommand, { env, name, scopes: scopeList, argument });
      case 'env':
        return await environments(dependencies, subcommand, { test, name, argument });
      case 'export':
        await runExport(dependencies, subcommand, { from, to, format, out, customer, unit, currency, env });
        return 0;
      default:
        console.error(`Unknown command '${command}'.\n\n${usage}`);
        return 1;
    }
  } finally {
    await store.close();
  }
}

async function migrate(database: string): Promise<number> {
  const store = await openStore(database);
  try {
    const applied = await store.migrate();
    const { migrationVersion } = await store.health();
    const names = applied.map((version) => `${version} (${migrations.find((migration) => migration.version === version)?.name})`);
    console.error(
      applied.length === 0
        ? `${describeDatabase(database)}: migrations are up to date (version ${migrationVersion}).`
        : `${describeDatabase(database)}: applied migration${applied.length === 1 ? '' : 's'} ${names.join(', ')}; now at version ${migrationVersion}.`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

async function keys(
  dependencies: AppDependencies,
  subcommand: string | undefined,
  options: { env: string | undefined; name: string | undefined; scopes: string | undefined; argument: string | undefined },
): Promise<number> {
  if (subcommand === 'create') {
    if (options.env !== 'test' && options.env !== 'live') {
      console.error('keys create needs --env test or --env live');
      return 1;
    }
    // Checked as POST /v1/api-keys checks it, before anything is written.
    checkOperatorName(options.name, '--name');
    const requested = options.scopes?.split(',').map((scope) => scope.trim()).filter(Boolean);
    const { key } = await createApiKey(dependencies, options.env, { name: options.name, scopes: requested && parseScopes(requested) });
    console.log(key);
    return 0;
  }
  if (subcommand === 'list') {
    const when = (instant: number | null) => (instant === null ? 'never' : new Date(instant).toISOString());
    console.log(['id', 'env', 'prefix', 'name', 'scopes', 'created', 'last used', 'status'].join('\t'));
    for (const key of await listApiKeys(dependencies)) {
      const status = key.revokedAt === null ? 'active' : `revoked ${when(key.revokedAt)}`;
      console.log([key.id, key.mode, `${key.keyPrefix}…`, key.name ?? '-', key.scopes.join(','), when(key.createdAt), when(key.lastUsedAt), status].join('\t'));
    }
    return 0;
  }
  if (subcommand === 'revoke') {
    if (!options.argument) return refuse('keys revoke needs the ID of the key to revoke: creditbook keys revoke <keyId> (keys list shows them).');
    await revokeApiKey(dependencies, options.argument);
    console.error(`Revoked ${options.argument}.`);
    return 0;
  }
  return refuse(subcommand === undefined ? 'keys needs a subcommand: create, list or revoke.' : `Unknown keys subcommand '${subcommand}'; it is one of create, list, revoke.`);
}

/** A command line that is missing something: what is missing first, then the usage; exit 1. */
function refuse(problem: string): number {
  console.error(`${problem}\n\n${usage}`);
  return 1;
}

async function environments(
  dependencies: AppDependencies,
  subcommand: string | undefined,
  options: { test: boolean | undefined; name: string | undefined; argument: string | undefined },
): Promise<number> {
  if (subcommand === 'create') {
    if (!options.test) {
      console.error('env create needs --test: only test environments can be made (live data has one environment).');
      return 1;
    }
    // Checked as POST /v1/test-environments checks it, before anything is written.
    checkOperatorName(options.name, '--name');
    const { environment, key } = await createTestEnvironment(dependencies, { name: options.name });
    console.error(`Created test environment ${environment.id}, its clock frozen at ${new Date(environment.frozenClockAt!).toISOString()}.`);
    console.log(key);
    return 0;
  }
  if (subcommand === 'list') {
    console.log(['id', 'name', 'clock', 'created'].join('\t'));
    for (const environment of await listTestEnvironments(dependencies)) {
      const clock = environment.frozenClockAt === null ? 'real' : new Date(environment.frozenClockAt).toISOString();
      console.log([environment.id, environment.name, clock, new Date(environment.createdAt).toISOString()].join('\t'));
    }
    return 0;
  }
  if (subcommand === 'delete') {
    if (!options.argument) return refuse('env delete needs the ID of the test environment to delete: creditbook env delete <envId> (env list shows them).');
    await deleteTestEnvironment(dependencies, options.argument);
    console.error(`Deleted test environment ${options.argument}; its keys no longer work.`);
    return 0;
  }
  return refuse(subcommand === undefined ? 'env needs a subcommand: create, list or delete.' : `Unknown env subcommand '${subcommand}'; it is one of create, list, delete.`);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
