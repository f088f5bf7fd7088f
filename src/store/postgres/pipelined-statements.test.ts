import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeMessage, type PipelinedStatement } from './pipelined-statements.ts';

/** Reads a message back: each part's type and fields, checking every length prefix on the way. */
function decode(buffer: Buffer): Array<{ type: string; fields: Array<string | number | null> }> {
  const parts: Array<{ type: string; fields: Array<string | number | null> }> = [];
  let offset = 0;
  while (offset < buffer.length) {
    const type = String.fromCharCode(buffer[offset]!);
    const length = buffer.readInt32BE(offset + 1);
    const end = offset + 1 + length;
    let at = offset + 5;
    const cString = () => {
      const zero = buffer.indexOf(0, at);
      const text = buffer.toString('utf8', at, zero);
      at = zero + 1;
      return text;
    };
    const int16 = () => ((at += 2), buffer.readInt16BE(at - 2));
    const fields: Array<string | number | null> = [];
    if (type === 'P') fields.push(cString(), cString(), int16());
    if (type === 'B') {
      fields.push(cString(), cString(), int16());
      const count = int16();
      fields.push(count);
      for (let index = 0; index < count; index += 1) {
        const size = buffer.readInt32BE(at);
        at += 4;
        fields.push(size === -1 ? null : buffer.toString('utf8', at, at + size));
        at += Math.max(size, 0);
      }
      fields.push(int16());
    }
    if (type === 'E') fields.push(cString(), ((at += 4), buffer.readInt32BE(at - 4)));
    assert.equal(at, end, `the ${type} message is as long as it says`);
    parts.push({ type, fields });
    offset = end;
  }
  return parts;
}

describe('encodeMessage', () => {
  it('writes Parse where asked, Bind and Execute for each statement and one Sync, every value as UTF-8 text', () => {
    const long = 'x'.repeat(70) + 'é';
    const statements: PipelinedStatement[] = [
      { name: 'cb_1', text: 'SELECT $1, $2', values: ['wal_1', null] },
      { name: undefined, text: 'INSERT INTO t (a, b, c) VALUES ($1, $2, $3)', values: ['ü🙂 short', long, ''] },
      { name: 'cb_2', text: 'SELECT xmin::text FROM wallets WHERE id = $1', values: ['wal_1'] },
    ];
    const parts = decode(encodeMessage(statements, [false, true, true]));
    assert.deepEqual(parts, [
      { type: 'B', fields: ['', 'cb_1', 0, 2, 'wal_1', null, 0] },
      { type: 'E', fields: ['', 0] },
      { type: 'P', fields: ['', 'INSERT INTO t (a, b, c) VALUES ($1, $2, $3)', 0] },
      { type: 'B', fields: ['', '', 0, 3, 'ü🙂 short', long, '', 0] },
      { type: 'E', fields: ['', 0] },
      { type: 'P', fields: ['cb_2', 'SELECT xmin::text FROM wallets WHERE id = $1', 0] },
      { type: 'B', fields: ['', 'cb_2', 0, 1, 'wal_1', 0] },
      { type: 'E', fields: ['', 0] },
      { type: 'S', fields: [] },
    ]);
  });
});
