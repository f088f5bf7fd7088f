import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const periods = fileURLToPath(new URL('../../src/domain/periods.ts', import.meta.url));

/** Period boundaries depend on UTC only: the process time zone (and its DST rules) changes nothing. */
it('computes the same boundaries in every process time zone', () => {
  const script = `
    import { boundary, parsePeriod } from ${JSON.stringify(periods)};
    const anchors = [Date.UTC(2027, 0, 31, 1, 30), Date.UTC(2027, 2, 13, 23, 0), Date.UTC(2027, 9, 31, 6, 0)];
    const out = [];
    for (const anchor of anchors) for (const text of ['P1D', 'P1W', 'P1M', 'P1Y']) for (let k = 0; k < 30; k++) out.push(boundary(anchor, parsePeriod(text), k));
    console.log(JSON.stringify(out));
  `;
  const run = (zone: string) =>
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TZ: zone }, encoding: 'utf8' });
  const utc = run('UTC');
  for (const zone of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Pacific/Chatham']) assert.equal(run(zone), utc, zone);
  assert.ok(JSON.parse(utc).length === 360);
});
