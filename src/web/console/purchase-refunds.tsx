import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { isZero } from '../shared/amounts.ts';
import { unwrap, type Client } from '../shared/api.ts';
import { formatTime } from '../shared/format.ts';
import type { Purchase } from '../shared/types.ts';
import { ActionDialog, Amount, DECIMAL_INPUT, ErrorNotice, Field, Loading, Money, StatusBadge } from '../shared/ui.tsx';
import { idempotent, optional } from './form-values.ts';

/**
 * Refunds of a paid purchase's unused credits (docs/finance.md#refunds), on the
 * customer page's purchases table: the credit notes already made, and the action.
 * The money is the API's (at cost basis); the page computes none.
 */

/** Only a paid purchase can be refunded; the others have no credit notes either. */
export const refundable = (purchase: Purchase) => purchase.status === 'paid';

/** The purchase's credit notes, newest first, as the API states them. */
export function CreditNotes(props: { client: Client; purchase: Purchase }) {
  const notes = useQuery({
    queryKey: ['credit-notes', props.purchase.id],
    queryFn: () => unwrap(props.client.GET('/v1/credit-notes', { params: { query: { purchaseId: props.purchase.id, limit: 100 } } })),
  });
  if (notes.error) return <ErrorNotice error={notes.error} />;
  if (!notes.data) return <Loading />;
  if (notes.data.data.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="inline-list" aria-label={`Refunds of purchase ${props.purchase.id}`}>
      {notes.data.data.map((note) => (
        <li key={note.id} data-testid={`credit-note-${note.id}`} title={`${note.id}, ${formatTime(note.createdAt)}`}>
          <Money value={note.amount} currency={note.currency} /> <StatusBadge status={note.status} />
          <small className="credits">
            <Amount value={note.credits} unit={props.purchase.unit} />
          </small>
          {note.lastError ? <small className="error">{note.lastError}</small> : null}
        </li>
      ))}
    </ul>
  );
}

/** Refund, behind a dialog: blank means every unused credit; the grant's unused credit is read when the dialog opens. */
export function RefundAction(props: { client: Client; purchase: Purchase; done: () => void }) {
  const { client, purchase } = props;
  const [opened, setOpened] = useState(false);
  const grant = useQuery({
    queryKey: ['grant', purchase.grantId],
    queryFn: () => unwrap(client.GET('/v1/grants/{id}', { params: { path: { id: purchase.grantId } } })),
    enabled: opened,
  });
  // The API would refuse any refund: say so instead of offering one. (The API writes zero as "0"; isZero reads any zero.)
  const nothingUnused = grant.data !== undefined && isZero(grant.data.available);
  return (
    <ActionDialog
      label="Refund"
      title="Refund unused credits of this purchase?"
      subject={purchase.id}
      confirmLabel="Refund"
      tone="danger"
      buttonClass="button button-small button-danger-quiet"
      testId={`refund-${purchase.id}`}
      onOpen={() => setOpened(true)}
      confirmDisabled={nothingUnused}
      run={(key, form) =>
        unwrap(client.POST('/v1/purchases/{id}/refund', { params: { path: { id: purchase.id } }, body: { amount: optional(form, 'amount') ?? null }, ...idempotent(key) }))
      }
      done={props.done}
    >
      <p>
        Bought <Amount value={purchase.amount} unit={purchase.unit} /> for <Money value={purchase.price} currency={purchase.currency} />. Unused now:{' '}
        {grant.data ? <Amount value={grant.data.available} unit={purchase.unit} testId="refund-unused" /> : grant.error ? null : '…'}
      </p>
      <ErrorNotice error={grant.error} />
      {nothingUnused ? (
        <p role="status" data-testid="refund-nothing">
          Nothing is left to refund: every credit of this purchase is used, held or already refunded.
        </p>
      ) : (
        <>
          <Field label={`Credits to refund (${purchase.unit})`} hint="Leave blank to refund all unused credits. Consumed or held credits are never refunded.">
            {(id) => <input id={id} name="amount" {...DECIMAL_INPUT} required={false} placeholder="all unused" />}
          </Field>
          <p className="muted small">
            The unused credits are voided now and their money, at the purchase's price per credit, goes back through {purchase.provider === 'test' ? 'the test provider (no real money)' : 'the payment provider'}. This cannot be undone.
          </p>
        </>
      )}
    </ActionDialog>
  );
}
