import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreditbookError } from '../domain/errors.ts';
import { formBodyNotUtf8, refuseBadQueryEscapes, refuseUndecodableEscapes, utf8BodyText } from './utf8-text.ts';

const refusedNaming = (param: string) => (error: unknown) => error instanceof CreditbookError && error.code === 'validation_error' && error.param === param;

describe('utf8BodyText', () => {
  it('returns UTF-8 bytes as their text, a U+FFFD sent as such included, and refuses bytes that are not UTF-8', () => {
    assert.equal(utf8BodyText(Buffer.from('café \u{1F600} \uFFFD'), formBodyNotUtf8), 'café \u{1F600} \uFFFD');
    for (const bytes of [[0x43, 0x61, 0x66, 0xe9], [0xed, 0xa0, 0x80], [0xc3], [0xff]]) assert.throws(() => utf8BodyText(Buffer.from(bytes), formBodyNotUtf8), refusedNaming('body'));
  });
});

describe('refuseUndecodableEscapes', () => {
  it('refuses a run of escapes that is not UTF-8, naming the field, or where when the name itself does not decode', () => {
    assert.throws(() => refuseUndecodableEscapes('a=1&name=a%ED%A0%80b', 'body'), refusedNaming('name'));
    assert.throws(() => refuseUndecodableEscapes('search=caf%E9', 'query'), refusedNaming('search'));
    assert.throws(() => refuseUndecodableEscapes('metadata%5Bk%5D=%C3%A9%FF', 'body'), refusedNaming('metadata[k]'));
    assert.throws(() => refuseUndecodableEscapes('m%FF=v', 'body'), refusedNaming('body'));
  });

  it('leaves alone text without escapes, escapes that decode, and a lone % that escapes nothing', () => {
    for (const text of ['', 'a=1&b=2', 'name=caf%C3%A9&x=%F0%9F%98%80', 'discount=100%', 'a=%2', 'q=a+b%20c']) refuseUndecodableEscapes(text, 'query');
  });
});

describe('refuseBadQueryEscapes', () => {
  const refused = (param: string, message: RegExp) => (error: unknown) => refusedNaming(param)(error) && message.test((error as Error).message);

  it("refuses a '%' that escapes nothing, naming the parameter, or the query when the name itself is broken", () => {
    assert.throws(() => refuseBadQueryEscapes('limit=%ZZ'), refused('limit', /'limit' holds '%ZZ', which is not a percent escape/));
    assert.throws(() => refuseBadQueryEscapes('unit=u&customerId=a%ZZb'), refused('customerId', /'%ZZ'/));
    assert.throws(() => refuseBadQueryEscapes('search=100%'), refused('search', /holds '%'/));
    assert.throws(() => refuseBadQueryEscapes('a=%2'), refused('a', /holds '%2'/));
    assert.throws(() => refuseBadQueryEscapes('%ZZ=1'), refused('query', /^The query holds '%ZZ'/));
  });

  it('still refuses escapes that are not UTF-8, and takes every escape that decodes', () => {
    assert.throws(() => refuseBadQueryEscapes('search=caf%E9'), refused('search', /not UTF-8/));
    for (const text of ['', 'a=1&b=2', 'name=caf%C3%A9&x=%F0%9F%98%80', 'discount=100%25', 'q=a+b%20c', 'm%5Bk%5D=%2f']) refuseBadQueryEscapes(text);
  });
});
