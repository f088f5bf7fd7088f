import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CachedWalletState } from './port.ts';
import { RememberedWallets } from './remembered-wallets.ts';

/** A stand-in state: the class stores states, it never looks into them. */
const stateNamed = (name: string) => ({ name }) as unknown as CachedWalletState;
const nameOf = (remembered: { state: CachedWalletState } | undefined) => (remembered?.state as unknown as { name: string } | undefined)?.name;

it('hands a state out once: take empties the slot until the operation remembers the next', () => {
  const wallets = new RememberedWallets(10);
  wallets.remember('a', stateNamed('a1'), 'v1');
  assert.equal(nameOf(wallets.get('a')), 'a1');
  assert.equal(nameOf(wallets.take('a')), 'a1');
  assert.equal(wallets.take('a'), undefined);
  assert.equal(wallets.get('a'), undefined);
  wallets.remember('a', stateNamed('a2'), 'v2');
  assert.deepEqual([nameOf(wallets.get('a')), wallets.get('a')?.version], ['a2', 'v2']);
  // An operation that leaves no state: the emptied slot goes, and a state remembered since is kept.
  wallets.take('a');
  wallets.remember('a', undefined, undefined);
  assert.equal(wallets.get('a'), undefined);
  wallets.remember('b', stateNamed('b1'), 'v1');
  wallets.remember('b', undefined, undefined);
  assert.equal(nameOf(wallets.get('b')), 'b1');
});

it('forgets the wallet used least recently, keeping one used within the last half of its capacity', () => {
  const wallets = new RememberedWallets(4);
  for (const key of ['a', 'b', 'c', 'd']) wallets.remember(key, stateNamed(key), 'v');
  // `a` is used after three wallets came in after it (more than half of 4): it moves to the end of the order.
  assert.equal(nameOf(wallets.take('a')), 'a');
  wallets.remember('a', stateNamed('a2'), 'v');
  // `d` is used right after it came in: it keeps its place, which is newer than `b`'s and `c`'s anyway.
  wallets.remember('d', stateNamed('d2'), 'v');
  // A fifth wallet: `b`, never used since it came in, is forgotten, not `a`.
  wallets.remember('e', stateNamed('e'), 'v');
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map((key) => nameOf(wallets.get(key))), ['a2', undefined, 'c', 'd2', 'e']);
});

it('gives up the place of a wallet whose operation left no state to remember', () => {
  const wallets = new RememberedWallets(2);
  wallets.remember('b', stateNamed('b'), 'v');
  wallets.remember('a', stateNamed('a'), 'v');
  wallets.take('a');
  wallets.remember('a', undefined, undefined);
  // Two wallets fit: `a` holds no place any more, so `b` stays beside `c`.
  wallets.remember('c', stateNamed('c'), 'v');
  assert.deepEqual(['a', 'b', 'c'].map((key) => nameOf(wallets.get(key))), [undefined, 'b', 'c']);
});

it('remembers nothing with no capacity, and nothing forgotten or cleared comes back', () => {
  const none = new RememberedWallets(0);
  none.remember('a', stateNamed('a'), 'v');
  assert.equal(none.get('a'), undefined);
  const wallets = new RememberedWallets(10);
  wallets.remember('a', stateNamed('a'), 'v');
  wallets.remember('b', stateNamed('b'), 'v');
  wallets.forget('a');
  assert.equal(wallets.get('a'), undefined);
  assert.equal(nameOf(wallets.get('b')), 'b');
  wallets.clear();
  assert.equal(wallets.get('b'), undefined);
});
