import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialRedactor } from './url-credentials.ts';

describe('credentialRedactor', () => {
  it('is null for a URL without credentials', () => {
    assert.equal(credentialRedactor(new URL('https://example.com/hooks')), null);
    assert.equal(credentialRedactor(new URL('https://@example.com/hooks')), null);
  });

  it('masks the credentials as written, percent-decoded, and as the Basic token Node sends', () => {
    const redact = credentialRedactor(new URL('https://al%20ice:pa%3Ass@example.com/hooks'))!;
    const basic = Buffer.from('al ice:pa:ss').toString('base64');
    assert.equal(redact(`Basic ${basic} / al%20ice pa%3Ass / al ice pa:ss`), 'Basic **** / **** **** / **** ****');
    assert.equal(redact('nothing to hide'), 'nothing to hide');
  });

  it('masks a user name that is the whole credential', () => {
    const redact = credentialRedactor(new URL('https://t0ken-123@example.com/hooks'))!;
    assert.equal(redact(`you sent t0ken-123 (${Buffer.from('t0ken-123:').toString('base64')})`), 'you sent **** (****)');
  });
});
