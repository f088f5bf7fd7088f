import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OpenedExport } from '../app/exports.ts';
import { encodeExport, exportFileName, exportStream } from './export-encoding.ts';

const columns = [
  { name: 'id', type: 'text' },
  { name: 'amount', type: 'amount' },
  { name: 'at', type: 'time' },
  { name: 'count', type: 'integer' },
  { name: 'metadata', type: 'json' },
] as const;

function opened(pages: AsyncIterable<unknown[][]>): OpenedExport {
  return { kind: 'ledger', request: { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 1, 1, 0, 0, 0, 250) }, columns, pages: pages as OpenedExport['pages'] };
}

async function* onePage(rows: unknown[][]) {
  yield rows;
}

async function text(chunks: AsyncIterable<string>): Promise<string> {
  let whole = '';
  for await (const chunk of chunks) whole += chunk;
  return whole;
}

it('writes amounts exact, times in RFC 3339, absent values empty (CSV) or null (JSON lines), quotes what needs it, and defuses formulas in CSV text', async () => {
  const rows = [
    ['a,"b"\nc', -123456789012345678901234n * 10n ** 10n - 5n, Date.UTC(2026, 0, 2, 3, 4, 5, 6), 7, { note: '=1+1' }],
    ['=SUM(A1)', 1n, null, 0, []],
    ["-2+3+cmd|' /C calc'!A0", -1n, null, 0, {}],
    [null, null, null, 1, {}],
  ];
  const csv = await text(encodeExport(opened(onePage(rows)), 'csv'));
  assert.equal(
    csv,
    'id,amount,at,count,metadata\r\n' +
      '"a,""b""\nc",-123456789012345678901234.0000000005,2026-01-02T03:04:05.006Z,7,"{""note"":""=1+1""}"\r\n' +
      "'=SUM(A1),0.0000000001,,0,[]\r\n" +
      "'-2+3+cmd|' /C calc'!A0,-0.0000000001,,0,{}\r\n" +
      ',,,1,{}\r\n',
  );
  const jsonl = await text(encodeExport(opened(onePage(rows)), 'jsonl'));
  assert.deepEqual(
    jsonl.trimEnd().split('\n').map((line) => JSON.parse(line)),
    [
      { id: 'a,"b"\nc', amount: '-123456789012345678901234.0000000005', at: '2026-01-02T03:04:05.006Z', count: 7, metadata: { note: '=1+1' } },
      { id: '=SUM(A1)', amount: '0.0000000001', at: null, count: 0, metadata: [] },
      { id: "-2+3+cmd|' /C calc'!A0", amount: '-0.0000000001', at: null, count: 0, metadata: {} },
      { id: null, amount: null, at: null, count: 1, metadata: {} },
    ],
  );
  assert.ok(jsonl.endsWith('}\n'));
});

it('names the file by kind and window', () => {
  assert.equal(exportFileName(opened(onePage([])), 'jsonl'), 'creditbook-ledger-20260101T000000Z-20260201T000000.250Z.jsonl');
});

it('reads no further ahead than a page or two while its reader is stalled, and stops the walk when destroyed', async () => {
  let produced = 0;
  let stopped = false;
  async function* endless() {
    try {
      for (;;) {
        produced += 1;
        yield [[`row ${produced}`, 1n, 0, produced, {}]];
      }
    } finally {
      stopped = true;
    }
  }
  // A reader that takes one chunk and never asks for more: a client that stopped reading.
  const stalled = new Writable({ highWaterMark: 1, write: () => {} });
  const stream = await exportStream(opened(endless()), 'csv');
  stream.pipe(stalled);
  await sleep(100);
  assert.ok(produced <= 3, `${produced} pages read ahead of a stalled reader`);
  const before = produced;
  await sleep(100);
  assert.equal(produced, before, 'nothing more is read while the reader stays stalled');
  stream.destroy();
  await sleep(10);
  assert.ok(stopped, 'destroying the stream (the client went away) ends the walk');
});

it('reads and encodes the first page before it starts: a failure there rejects, before any text', async () => {
  async function* failing() {
    yield [[`row`, 1n, 9e15, 1, {}]]; // a time past what a Date holds: the encoding throws
  }
  async function* unreadable(): AsyncGenerator<unknown[][]> {
    throw new Error('the store failed');
  }
  for (const format of ['csv', 'jsonl'] as const) {
    await assert.rejects(exportStream(opened(failing()), format), RangeError, `${format}: encoding the first page`);
    await assert.rejects(exportStream(opened(unreadable()), format), /the store failed/, `${format}: reading the first page`);
  }
  assert.equal(await text(await exportStream(opened(onePage([])), 'csv')), 'id,amount,at,count,metadata\r\n', 'no rows: the header alone, whole');
  assert.equal(await text(await exportStream(opened(onePage([])), 'jsonl')), '', 'no rows: nothing');
});

it('a failure after the first page leaves the text without its final line end, in both formats', async () => {
  async function* failsLater() {
    yield [[`a`, 1n, 0, 1, {}]];
    yield [[`b`, 2n, 0, 2, {}]];
    throw new Error('the store failed');
  }
  for (const format of ['csv', 'jsonl'] as const) {
    let sent = '';
    await assert.rejects(
      (async () => {
        for await (const chunk of await exportStream(opened(failsLater()), format)) sent += chunk;
      })(),
      /the store failed/,
    );
    assert.equal(sent.split(format === 'csv' ? '\r\n' : '\n').length, format === 'csv' ? 3 : 2, `${format}: both rows were sent: ${JSON.stringify(sent)}`);
    assert.ok(!sent.endsWith('\n') && !sent.endsWith('\r'), `${format}: cut short, without its final line end: ${JSON.stringify(sent)}`);
  }
  const whole = await text(await exportStream(opened(onePage([[`a`, 1n, 0, 1, {}], [`b`, 2n, 0, 2, {}]])), 'jsonl'));
  assert.ok(whole.endsWith('}\n') && whole.split('\n').length === 3, 'a complete export ends with its line end');
});
