import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shownWebhookUrl } from './webhook-endpoints.ts';

describe('shownWebhookUrl', () => {
  it('replaces the whole user-info of a stored URL with a fixed mask, whatever it held', () => {
    for (const [stored, shown] of [
      ['https://user:s3cret@example.com/hooks?x=1#top', 'https://****@example.com/hooks?x=1#top'],
      ['https://:s3cret@example.com/hooks', 'https://****@example.com/hooks'],
      ['https://t0ken@example.com/hooks', 'https://****@example.com/hooks'],
      ['http://a%40b:p%3Aq@[::1]:8080/x', 'http://****@[::1]:8080/x'],
      ['https://user:s3cret@example.com', 'https://****@example.com/'],
      // A special scheme's URL needs no slashes: the parser still finds the user-info.
      ['https:user:s3cret@example.com/x', 'https://****@example.com/x'],
      // Not a URL the parser takes (no version stored one): whatever precedes an '@' in the authority is masked.
      ['https://user:s3cret@exa mple.com/x', 'https://****@exa mple.com/x'],
    ]) {
      assert.equal(shownWebhookUrl(stored!), shown, stored);
    }
  });

  it('shows a URL without user-info exactly as stored', () => {
    for (const stored of ['https://example.com/hooks', 'https://@example.com/hooks', 'http://EXAMPLE.com:8080/a/../b?q=a@b', 'https://example.com/p@th']) {
      assert.equal(shownWebhookUrl(stored), stored);
    }
  });
});
