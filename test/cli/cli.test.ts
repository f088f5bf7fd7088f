import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import packageJson from '../../package.json' with { type: 'json' };
import { migrations } from '../../src/store/migrations/migrations.ts';
import { createScratchDatabase, type ScratchDatabase } from '../support/postgres-cluster.ts';
import { CLI_PATH, runCli, startServe } from '../support/serve-process.ts';
import { spawnSync } from 'node:child_process';

/** The CLI as an operator meets it: databases that do not exist, migrate's report, --version, a busy port. */
describe('creditbook CLI', () => {
  let directory: string;

  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'creditbook-cli-'));
  });

  after(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('verify and keys refuse a database that does not exist, with exit 2, naming it, and create nothing', () => {
    const missing = join(directory, 'no', 'such', 'dir', 'x.db');
    for (const args of [['verify'], ['keys', 'list'], ['keys', 'create', '--env', 'test']]) {
      const result = runCli([...args, '--db', missing]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(result.stderr.includes(missing), `${args.join(' ')} names the database: ${result.stderr}`);
      assert.match(result.stderr, /does not exist/);
      assert.equal(result.stdout, '', 'prints no key and no report');
    }
    assert.equal(existsSync(join(directory, 'no')), false, 'no folder was created');
  });

  it('a missing PostgreSQL database is refused the same way, and its password is never shown', () => {
    const url = 'postgres://postgres:supersecret@127.0.0.1:5432/creditbook_cli_no_such_database';
    const result = runCli(['verify', '--db', url]);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /creditbook_cli_no_such_database/);
    assert.ok(!`${result.stdout}${result.stderr}`.includes('supersecret'), result.stderr);
  });

  it('migrate says what it applied, then that nothing was pending; verify names the database it checked', () => {
    const database = join(directory, 'migrated.db');
    const first = runCli(['migrate', '--db', database]);
    assert.equal(first.status, 0, first.stderr);
    const latest = Math.max(...migrations.map((migration) => migration.version));
    for (const migration of migrations) assert.ok(first.stderr.includes(`${migration.version} (${migration.name})`), first.stderr);
    assert.match(first.stderr, new RegExp(`now at version ${latest}`));
    const second = runCli(['migrate', '--db', database]);
    assert.equal(second.status, 0);
    assert.match(second.stderr, new RegExp(`migrations are up to date \\(version ${latest}\\)`));
    const verify = runCli(['verify', '--db', database]);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(verify.stdout.trim(), `verify ${database}: 0 wallets checked, 0 problems`);
  });

  it('env create --test, env list and env delete manage test environments; the default one stays', () => {
    const database = join(directory, 'environments.db');
    assert.equal(runCli(['migrate', '--db', database]).status, 0);
    assert.equal(runCli(['keys', 'create', '--env', 'test', '--db', database]).status, 0);
    const refused = runCli(['env', 'create', '--db', database]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /needs --test/);

    const created = runCli(['env', 'create', '--test', '--name', 'staging', '--db', database]);
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout.trim(), /^cb_test_[0-9A-Za-z]{32}$/, 'stdout is only the key');
    const id = /Created test environment (env_\S+),/.exec(created.stderr)?.[1];
    assert.ok(id, created.stderr);
    const listed = runCli(['env', 'list', '--db', database]).stdout;
    assert.match(listed, /^env_default_test\ttest\t/m);
    assert.match(listed, new RegExp(`^${id}\tstaging\t\\d{4}-`, 'm'));

    const keepDefault = runCli(['env', 'delete', 'env_default_test', '--db', database]);
    assert.equal(keepDefault.status, 1);
    assert.match(keepDefault.stderr, /cannot be deleted/);
    const deleted = runCli(['env', 'delete', id, '--db', database]);
    assert.equal(deleted.status, 0, deleted.stderr);
    const after = runCli(['env', 'list', '--db', database]).stdout;
    assert.ok(!after.includes(id), after);
    assert.match(after, /^env_default_test\t/m);
    assert.equal(runCli(['env', 'delete', id, '--db', database]).status, 1, 'a deleted environment is not found again');
  });

  it('env create refuses a name POST /v1/test-environments refuses, as keys create refuses a key name, making no environment', () => {
    const database = join(directory, 'environment-names.db');
    assert.equal(runCli(['migrate', '--db', database]).status, 0);
    assert.equal(runCli(['keys', 'create', '--env', 'test', '--db', database]).status, 0);
    const listed = () => runCli(['env', 'list', '--db', database]).stdout.trim().split('\n').slice(1);
    const before = listed();
    const refusals: Array<[string, RegExp]> = [
      ['n'.repeat(500), /^'--name' must be a string of 1 to 100 characters; it has 500\.$/m],
      ['n'.repeat(101), /^'--name' must be a string of 1 to 100 characters; it has 101\.$/m],
      ['🙂'.repeat(101), /^'--name' must be a string of 1 to 100 characters; it has 101\.$/m],
      ['', /^'--name' must be a string of 1 to 100 characters; it has 0\.$/m],
      // A tab or a line break would forge columns or rows of `env list`.
      ['staging\tenv_default_live', /^'--name' must not contain control characters \(U\+0000 to U\+001F, U\+007F to U\+009F\); it has U\+0009 at character 8\.$/m],
      ['a\nb', /^'--name' must not contain control characters .*; it has U\+000A at character 2\.$/m],
      ['bell\u0007', /U\+0007 at character 5/],
      ['c1\u0085', /U\+0085 at character 3/],
    ];
    for (const [name, message] of refusals) {
      const refused = runCli(['env', 'create', '--test', '--name', name, '--db', database]);
      assert.equal(refused.status, 1, `${JSON.stringify(name)}: ${refused.stderr}`);
      assert.equal(refused.stdout, '', 'prints no key');
      assert.match(refused.stderr, message);
    }
    assert.deepEqual(listed(), before, 'no environment was made');
    for (const name of ['n'.repeat(100), '🙂'.repeat(100), 'staging — é']) {
      const created = runCli(['env', 'create', '--test', '--name', name, '--db', database]);
      assert.equal(created.status, 0, created.stderr);
    }
    assert.deepEqual(listed().map((line) => line.split('\t')[1]).slice(-3), ['n'.repeat(100), '🙂'.repeat(100), 'staging — é']);
    // The same rule for a key's name.
    const tabbed = runCli(['keys', 'create', '--env', 'test', '--name', 'ci\tbot', '--db', database]);
    assert.equal(tabbed.status, 1, tabbed.stderr);
    assert.match(tabbed.stderr, /^'--name' must not contain control characters .*; it has U\+0009 at character 3\.$/m);
  });

  it('keys create refuses a name POST /v1/api-keys refuses, making no key; keys revoke without an ID says what is missing', () => {
    const database = join(directory, 'keys.db');
    assert.equal(runCli(['migrate', '--db', database]).status, 0);
    const listed = () => runCli(['keys', 'list', '--db', database]).stdout.trim().split('\n').length - 1;
    for (const name of ['n'.repeat(500), 'n'.repeat(101)]) {
      const refused = runCli(['keys', 'create', '--env', 'test', '--name', name, '--db', database]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.equal(refused.stdout, '', 'prints no key');
      assert.match(refused.stderr, /'--name' must be a string of 1 to 100 characters/);
    }
    assert.equal(listed(), 0, 'no key was made');
    const longest = runCli(['keys', 'create', '--env', 'test', '--name', 'n'.repeat(100), '--db', database]);
    assert.equal(longest.status, 0, longest.stderr);
    assert.equal(listed(), 1);

    for (const [args, missing] of [
      [['keys', 'revoke'], /^keys revoke needs the ID of the key to revoke/],
      [['env', 'delete'], /^env delete needs the ID of the test environment to delete/],
      [['keys', 'rotate'], /^Unknown keys subcommand 'rotate'/],
    ] as const) {
      const result = runCli([...args, '--db', database]);
      assert.equal(result.status, 1, result.stderr);
      assert.match(result.stderr, missing, 'what is missing comes first');
      assert.match(result.stderr, /Usage: creditbook/);
    }
  });

  it('--version prints the version', () => {
    const result = runCli(['--version']);
    assert.equal(result.status, 0);
    assert.equal(result.stdout.trim(), packageJson.version);
  });

  it('a busy port fails the start without using up the one-time key; the next start prints it', async () => {
    const database = join(directory, 'busy.db');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const failed = spawnSync(process.execPath, [CLI_PATH, 'serve', '--db', database, '--port', String(port)], { encoding: 'utf8', timeout: 30_000 });
      assert.notEqual(failed.status, 0);
      assert.match(failed.stderr, /EADDRINUSE/);
      assert.doesNotMatch(`${failed.stdout}${failed.stderr}`, /cb_test_/, 'no key was shown for a start that failed');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    const served = await startServe({ database, env: { LOG_LEVEL: 'info' } });
    try {
      assert.match(served.testKey ?? '', /^cb_test_/, 'the key is printed on the first start that listens');
      const response = await fetch(`${served.baseUrl}/v1/units`, { headers: { authorization: `Bearer ${served.testKey}` } });
      assert.equal(response.status, 200);
    } finally {
      await served.stop();
    }
  });

  it('stdout is JSON lines only; the key and other lines for a person go to stderr', async () => {
    const database = join(directory, 'json.db');
    const served = await startServe({ database, env: { LOG_LEVEL: 'info' } });
    try {
      await fetch(`${served.baseUrl}/healthz`);
    } finally {
      await served.stop();
    }
    const { stdout, stderr } = served.streams();
    const lines = stdout.split('\n').filter(Boolean);
    assert.ok(lines.length > 0, 'the request was logged');
    for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `not JSON on stdout: ${line}`);
    assert.match(stderr, /Test API key \(shown once\): cb_test_/);
  });

  it('serve never prints a database password', async (t) => {
    let scratch: ScratchDatabase | undefined;
    t.after(() => scratch?.drop());
    scratch = await createScratchDatabase('creditbook_cli');
    const url = new URL(scratch.url);
    url.password = 'supersecret';
    const served = await startServe({ database: url.toString(), env: { LOG_LEVEL: 'info' } });
    try {
      await fetch(`${served.baseUrl}/healthz`);
    } finally {
      await served.stop();
    }
    assert.ok(!served.output().includes('supersecret'), served.output());
    assert.match(served.output(), /postgres:\/\/postgres:\*\*\*@/);
  });
});
