import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type CSSProperties, type FormEvent, type ReactNode } from 'react';
import { ApiError, newIdempotencyKey } from './api.ts';
import { formatTime } from './format.ts';

/**
 * An amount exactly as the API gave it, with its unit's code. The number never wraps; `--chars` (its length)
 * lets a narrow place such as a balance figure scale it down to fit instead (styles.css).
 */
export function Amount(props: { value: string; unit: string; testId?: string }) {
  return (
    <span className="amount" data-testid={props.testId}>
      <span className="amount-value" style={{ '--chars': props.value.length } as CSSProperties}>
        {props.value}
      </span>{' '}
      <span className="amount-unit">{props.unit}</span>
    </span>
  );
}

/** A time as formatTime writes it, wrapping only between its date and its time (never at the date's hyphens). */
export function DateTime(props: { iso: string | null | undefined }) {
  const text = formatTime(props.iso);
  const space = text.indexOf(' ');
  if (!props.iso || space < 0) return <>{text}</>;
  return (
    <time dateTime={props.iso}>
      <span className="nowrap">{text.slice(0, space)}</span> <span className="nowrap">{text.slice(space + 1)}</span>
    </time>
  );
}

/** Money exactly as the API gave it (a decimal string in the currency), with the currency's code. */
export function Money(props: { value: string; currency: string; testId?: string }) {
  return <Amount value={props.value} unit={props.currency.toUpperCase()} testId={props.testId} />;
}

export function ErrorNotice(props: { error: unknown }) {
  if (!props.error) return null;
  const error = props.error;
  const text = error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
  return (
    <p className="error" role="alert">
      {text}
      {error instanceof ApiError && error.requestId ? <small className="request-id">request {error.requestId}</small> : null}
    </p>
  );
}

export function Loading() {
  return <p className="muted" aria-live="polite">Loading…</p>;
}

export function Badge(props: { tone: 'good' | 'warn' | 'bad' | 'neutral' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${props.tone}`}>{props.children}</span>;
}

export function StatusBadge(props: { status: string }) {
  const tone = ({ active: 'good', paid: 'good', delivered: 'good', succeeded: 'good', scheduled: 'info', open: 'info', pending: 'info', expired: 'neutral', released: 'neutral', captured: 'neutral', voided: 'bad', failed: 'bad', canceled: 'neutral', void: 'neutral', payment_pending: 'warn' } as const)[
    props.status
  ];
  return <Badge tone={tone ?? 'neutral'}>{props.status.replace('_', ' ')}</Badge>;
}

export function Section(props: { title: string; actions?: ReactNode; children: ReactNode; id?: string }) {
  const headingId = useId();
  return (
    <section className="card" aria-labelledby={headingId} id={props.id}>
      <header className="card-header">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions ? <div className="card-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

export function Field(props: { label: string; children: (id: string) => ReactNode; hint?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.children(id)}
      {props.hint ? <small className="muted">{props.hint}</small> : null}
    </div>
  );
}

/** Previous and Next over a list the API pages with `startingAfter`; `page` counts from 0. */
export function Pager(props: { page: number; hasMore: boolean; previous: () => void; next: () => void; nextTestId?: string }) {
  return (
    <div className="pager">
      <button type="button" className="button button-small" disabled={props.page === 0} onClick={props.previous}>
        Previous
      </button>
      <span className="muted small">Page {props.page + 1}</span>
      <button type="button" className="button button-small" disabled={!props.hasMore} onClick={props.next} data-testid={props.nextTestId}>
        Next
      </button>
    </div>
  );
}

/**
 * An input for a decimal amount: digits with an optional fraction, as the API reads them exactly. A sign is let
 * through, so a negative amount gets the API's own answer ("must be greater than zero"), not a vague "enter a number".
 */
export const DECIMAL_INPUT = { inputMode: 'decimal', required: true, pattern: '^-?\\d+(\\.\\d+)?$', title: 'a number such as 12.50' } as const;

/**
 * What is wrong with the form's first invalid field, named by its label; null if nothing. Checking the form tells
 * each invalid field (its `invalid` event), so a field that writes its own error under it (UtcMinuteField) does.
 */
export function invalidField(form: HTMLFormElement): { field: HTMLInputElement; message: string } | null {
  if (form.checkValidity()) return null;
  const field = form.querySelector<HTMLInputElement>(':invalid');
  if (!field) return null;
  const label = field.labels?.[0]?.textContent ?? field.name;
  const expected = field.validity.patternMismatch && field.title ? `enter ${field.title}` : field.validationMessage;
  return { field, message: `${label}: ${expected}` };
}

/**
 * An action behind a confirmation dialog. The idempotency key is made when the
 * dialog opens and sent with every submit of it, so a double click or a retry
 * books once. The API's error is shown as it is, and the dialog stays open;
 * so is a field the browser finds invalid, named by its label (or, for a field
 * that writes its own error, under it), before anything is sent.
 */
export function ActionDialog<Result>(props: {
  label: string;
  title: string;
  /**
   * The ID the action is on, shown under the title on a line of its own: monospace, never broken inside (on a
   * phone a long ID would otherwise wrap mid-ID), cut with an ellipsis only if wider than the dialog, with the
   * whole ID in its tooltip and selected whole by one click, to copy.
   */
  subject?: string;
  confirmLabel: string;
  tone?: 'danger' | 'primary';
  buttonClass?: string;
  testId?: string;
  children?: ReactNode;
  run: (idempotencyKey: string, form: FormData) => Promise<Result>;
  /** Gets what `run` resolved to, typed by the call it made. */
  done?: (result: Result) => void;
  /** Called each time the dialog opens (e.g. to load what it shows only then). */
  onOpen?: () => void;
  /** The action cannot run as things stand (the dialog's content says why): Confirm is disabled. */
  confirmDisabled?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const queryClient = useQueryClient();
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const open = () => {
    setKey(newIdempotencyKey());
    setError(null);
    // Each opening starts blank: values left from the last action must not be booked again by a quick Confirm.
    form.current?.reset();
    props.onOpen?.();
    dialog.current?.showModal();
  };
  // A refusal often means the page was stale (a hold captured elsewhere): once it has been read and dismissed, the page reloads its data.
  const reloadAfterRefusal = () => {
    if (error instanceof ApiError) void queryClient.invalidateQueries();
  };
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const invalid = invalidField(event.currentTarget);
    if (invalid) {
      // A field that writes its own error under it (UtcMinuteField) is not named a second time above the buttons.
      setError(invalid.field.hasAttribute('data-own-error') ? null : new Error(invalid.message));
      invalid.field.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await props.run(key, new FormData(event.currentTarget));
      dialog.current?.close();
      props.done?.(result);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className={props.buttonClass ?? 'button'} onClick={open} data-testid={props.testId}>
        {props.label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} className="dialog" onClose={reloadAfterRefusal}>
        <form ref={form} method="dialog" onSubmit={submit} noValidate>
          <h3 id={titleId}>
            {props.title}
            {props.subject ? (
              <>
                {' '}
                <code className="dialog-subject" title={props.subject}>
                  {props.subject}
                </code>
              </>
            ) : null}
          </h3>
          {props.children}
          <ErrorNotice error={error} />
          <div className="dialog-actions">
            <button type="button" className="button button-quiet" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button type="submit" className={`button ${props.tone === 'danger' ? 'button-danger' : 'button-primary'}`} disabled={busy || props.confirmDisabled === true} data-testid="confirm">
              {busy ? 'Working…' : props.confirmLabel}
            </button>
          </div>
          <p className="muted small">Idempotency key: <code>{key}</code></p>
        </form>
      </dialog>
    </>
  );
}

/** Each page names itself, so tabs, history and screen readers say where you are. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
