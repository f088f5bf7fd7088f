import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSecretBox, parseEncryptionKey } from './secret-box.ts';

describe('secrets at rest', () => {
  const key = randomBytes(32);
  const box = createSecretBox(key);

  it('seals with AES-256-GCM: a fresh IV each time, and opens to the same text', () => {
    const first = box.seal('whsec_abc', 'we_1');
    const second = box.seal('whsec_abc', 'we_1');
    assert.match(first, /^enc:v1:[A-Za-z0-9+/]+=*$/);
    assert.notEqual(first, second);
    assert.ok(!first.includes('whsec_abc'));
    assert.equal(box.open(first, 'we_1'), 'whsec_abc');
    assert.equal(box.open(second, 'we_1'), 'whsec_abc');
  });

  it('refuses a value moved to another row, altered, or opened with another key', () => {
    const sealed = box.seal('whsec_abc', 'we_1');
    assert.throws(() => box.open(sealed, 'we_2'), /does not open/);
    const bytes = Buffer.from(sealed.slice('enc:v1:'.length), 'base64');
    bytes[bytes.length - 1]! ^= 1;
    assert.throws(() => box.open(`enc:v1:${bytes.toString('base64')}`, 'we_1'), /does not open/);
    assert.throws(() => createSecretBox(randomBytes(32)).open(sealed, 'we_1'), /does not open/);
    assert.throws(() => createSecretBox(null).open(sealed, 'we_1'), /no ENCRYPTION_KEY/);
  });

  it('without a key stores as given; a value stored before a key was set still opens', () => {
    const plain = createSecretBox(null);
    assert.equal(plain.seal('whsec_abc', 'we_1'), 'whsec_abc');
    assert.equal(box.open('whsec_abc', 'we_1'), 'whsec_abc');
  });

  it('reads ENCRYPTION_KEY as 64 hex digits or base64 of 32 bytes, and nothing else', () => {
    assert.deepEqual(parseEncryptionKey(key.toString('hex')), key);
    assert.deepEqual(parseEncryptionKey(key.toString('base64')), key);
    for (const bad of ['secret', randomBytes(16).toString('base64'), randomBytes(31).toString('hex'), `${key.toString('base64')}!`]) {
      assert.throws(() => parseEncryptionKey(bad), /ENCRYPTION_KEY must be 32/);
    }
  });
});
