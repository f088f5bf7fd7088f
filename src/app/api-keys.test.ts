import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { CreditbookError } from '../domain/errors.ts';
import { CreateApiKeyBody } from '../http/security-schemas.ts';
import { hashApiKey, MAX_KEY_NAME_LENGTH } from './api-keys.ts';
import { checkOperatorName } from './operator-names.ts';

describe('hashApiKey', () => {
  it('is the hex SHA-256 that keys were always stored under (a known answer, and the Hash object agrees)', () => {
    assert.equal(hashApiKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const key = 'cb_test_0123456789ABCDEFGHIJKLMNOPQRSTuv';
    assert.equal(hashApiKey(key), createHash('sha256').update(key).digest('hex'));
    assert.equal(hashApiKey('clé ü🙂'), createHash('sha256').update('clé ü🙂').digest('hex'));
  });
});

describe('checkOperatorName, for key names', () => {
  it('refuses what POST /v1/api-keys refuses (its schema holds the same limit), naming the parameter', () => {
    const name = CreateApiKeyBody.properties.name.anyOf[0];
    assert.deepEqual([name.minLength, name.maxLength], [1, MAX_KEY_NAME_LENGTH]);
    for (const ok of [undefined, null, 'ci', 'n'.repeat(MAX_KEY_NAME_LENGTH), '🙂'.repeat(MAX_KEY_NAME_LENGTH)]) checkOperatorName(ok, 'name');
    for (const [bad, length] of [['n'.repeat(MAX_KEY_NAME_LENGTH + 1), 101], ['', 0]] as const) {
      assert.throws(
        () => checkOperatorName(bad, '--name'),
        (error: unknown) => error instanceof CreditbookError && error.param === '--name' && error.message === `'--name' must be a string of 1 to 100 characters; it has ${length}.`,
      );
    }
  });
});
