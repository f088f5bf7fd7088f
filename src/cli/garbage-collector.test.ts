import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { SERVE_V8_FLAGS } from './garbage-collector.ts';

// setFlagsFromString ignores a flag V8 does not know: a Node whose V8 dropped one would silently lose the setting.
test('every flag serve sets is one this Node’s V8 knows', () => {
  const known = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
  for (const flag of SERVE_V8_FLAGS) {
    const name = flag.replace(/^--(no-)?/, '');
    assert.match(known, new RegExp(`^\\s+--${name} `, 'm'), `${flag} is not a V8 option of ${process.version}`);
  }
});
