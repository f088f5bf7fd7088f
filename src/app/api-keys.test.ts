import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashApiKey } from './api-keys.ts';

describe('hashApiKey', () => {
  it('is the hex SHA-256 that keys were always stored under (a known answer, and the Hash object agrees)', () => {
    assert.equal(hashApiKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const key = 'cb_test_0123456789ABCDEFGHIJKLMNOPQRSTuv';
    assert.equal(hashApiKey(key), createHash('sha256').update(key).digest('hex'));
    assert.equal(hashApiKey('clé ü🙂'), createHash('sha256').update('clé ü🙂').digest('hex'));
  });
});
