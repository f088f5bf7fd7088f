import type { DomainEvent, LedgerEntryDraft } from '../domain/types.ts';
import type { WalletRecord } from '../store/records.ts';
import type { AppDependencies } from './dependencies.ts';
import { ID_ALPHABET as ALPHABET } from './ids.ts';

/**
 * A new debit's ID, made as the debit is computed on its locked wallet: a fresh one, unless the wallet's last
 * debit has an ID at least as high (another node, its clock ahead, made it), then the ID just above that one.
 * So a wallet's debits take IDs in the order they book their entries, on any number of nodes, and a customer's
 * debits list through its wallets' ledgers in ID order (customer-debits.ts). Per process IDs only ever rise
 * (ids.ts), so on one node this always takes the fresh ID.
 */
export function nextDebitId(dependencies: Pick<AppDependencies, 'newId'>, wallet: Pick<WalletRecord, 'lastDebitId'>): string {
  const fresh = dependencies.newId('dbt');
  return wallet.lastDebitId === null || fresh > wallet.lastDebitId ? fresh : idAfter(wallet.lastDebitId);
}

/** The ID right above `id` in the order IDs sort: its last character one higher in the alphabet, carrying. */
export function idAfter(id: string): string {
  const characters = [...id];
  for (let index = characters.length - 1; index > id.indexOf('_'); index -= 1) {
    const position = ALPHABET.indexOf(characters[index]!);
    if (position < ALPHABET.length - 1) {
      characters[index] = ALPHABET[position + 1]!;
      return characters.join('');
    }
    characters[index] = ALPHABET[0]!;
  }
  throw new Error(`No ID sorts right above '${id}'.`);
}

/**
 * What `wallets.last_debit_id` becomes after an operation: the highest of the wallet's last and the debits the
 * operation made, booked (named by its entries) or not (a `debit.created` event without entries, when it took
 * nothing): `nextDebitId` never gives out an ID at or below it again.
 */
export function lastDebitAfter(previous: string | null, effects: { entries: readonly LedgerEntryDraft[]; events: readonly DomainEvent[] }): string | null {
  let last = previous;
  for (const entry of effects.entries) if (entry.debitId !== null && (last === null || entry.debitId > last)) last = entry.debitId;
  for (const event of effects.events) if (event.type === 'debit.created' && (last === null || event.debitId > last)) last = event.debitId;
  return last;
}
