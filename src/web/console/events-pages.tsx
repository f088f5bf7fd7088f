import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { unwrap } from '../shared/api.ts';
import { formatTime } from '../shared/format.ts';
import { Link, navigate, withQuery } from '../shared/router.tsx';
import { ActionDialog, DateTime, ErrorNotice, Field, Loading, Pager, Section, StatusBadge, useDocumentTitle } from '../shared/ui.tsx';
import type { ConsoleContext } from './main.tsx';

/** /console/events?type&customerId: the outbox, by exact type or family (balance.*) and customer. */
export function EventsPage(props: { context: ConsoleContext; query: URLSearchParams }) {
  useDocumentTitle('Events · Creditbook console');
  const type = props.query.get('type') ?? undefined;
  const customerId = props.query.get('customerId') ?? undefined;
  const [cursors, setCursors] = useState<string[]>([]);
  const after = cursors.at(-1);
  const events = useQuery({
    queryKey: ['events', type, customerId, after],
    queryFn: () => unwrap(props.context.client.GET('/v1/events', { params: { query: { type, customerId, limit: 25, startingAfter: after } } })),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setCursors([]);
    navigate(withQuery('/console/events', { type: String(form.get('type') ?? '').trim(), customerId: String(form.get('customerId') ?? '').trim() }));
  };
  return (
    <>
      <h1>Events</h1>
      <form className="filters filters-wide" onSubmit={submit} key={`${type}-${customerId}`} aria-label="Event filters">
        <Field label="Type or family" hint="e.g. invoice.paid or balance.*">
          {(id) => <input id={id} name="type" defaultValue={type} />}
        </Field>
        <Field label="Customer ID">{(id) => <input id={id} name="customerId" defaultValue={customerId} />}</Field>
        <div className="filters-actions">
          <button type="submit" className="button button-primary">
            Apply
          </button>
        </div>
      </form>
      <Section title="Events">
        <ErrorNotice error={events.error} />
        {events.error ? null : !events.data ? (
          <Loading />
        ) : events.data.data.length === 0 ? (
          <p className="muted">No events.</p>
        ) : (
          <ul className="plain-list">
            {events.data.data.map((event) => (
              <li key={event.id} className="event">
                <details>
                  <summary>
                    <code>{event.type}</code> <span className="muted">{formatTime(event.createdAt)}</span>{' '}
                    {typeof event.data.customerId === 'string' ? <span className="muted">· {event.data.customerId}</span> : null}
                  </summary>
                  <pre>{JSON.stringify(event.data, null, 2)}</pre>
                  <code className="small">{event.id}</code>
                </details>
              </li>
            ))}
          </ul>
        )}
        <Pager page={cursors.length} hasMore={events.data?.hasMore ?? false} previous={() => setCursors(cursors.slice(0, -1))} next={() => setCursors([...cursors, events.data!.data.at(-1)!.id])} />
      </Section>
    </>
  );
}

function Deliveries(props: { context: ConsoleContext; endpointId: string }) {
  const queryClient = useQueryClient();
  const deliveries = useQuery({
    queryKey: ['deliveries', props.endpointId],
    queryFn: () => unwrap(props.context.client.GET('/v1/webhook-endpoints/{id}/deliveries', { params: { path: { id: props.endpointId }, query: { limit: 25 } } })),
  });
  if (deliveries.error) return <ErrorNotice error={deliveries.error} />;
  if (!deliveries.data) return <Loading />;
  if (deliveries.data.data.length === 0) return <p className="muted">No deliveries yet.</p>;
  return (
    <ul className="plain-list">
      {deliveries.data.data.map((delivery) => (
        <li key={delivery.id} className="delivery" data-testid={`delivery-${delivery.id}`}>
          <div className="list-row">
            <span>
              <code>{delivery.eventType}</code> <StatusBadge status={delivery.status} />{' '}
              <span className="muted small">
                {delivery.attemptCount} attempt{delivery.attemptCount === 1 ? '' : 's'} · <DateTime iso={delivery.createdAt} />
              </span>
            </span>
            <ActionDialog
              label="Resend"
              title="Resend this delivery?"
              confirmLabel="Resend"
              buttonClass="button button-small"
              testId={`resend-${delivery.id}`}
              run={() =>
                unwrap(
                  props.context.client.POST('/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/resend', {
                    params: { path: { id: props.endpointId, deliveryId: delivery.id } },
                    body: {},
                  }),
                )
              }
              done={() => void queryClient.invalidateQueries({ queryKey: ['deliveries', props.endpointId] })}
            >
              <p>The same event, with the same webhook-id, is sent again now.</p>
            </ActionDialog>
          </div>
          {delivery.attempts.length > 0 ? (
            <table className="attempts">
              <caption className="visually-hidden">Attempts of {delivery.id}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">When</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {delivery.attempts.map((attempt) => (
                  <tr key={attempt.attempt}>
                    <td>{attempt.attempt}</td>
                    <td>
                      <DateTime iso={attempt.startedAt} />
                    </td>
                    <td>{attempt.trigger}</td>
                    <td>
                      {attempt.statusCode !== null ? <span className="nowrap">HTTP {attempt.statusCode}</span> : attempt.error ?? '—'}
                      {attempt.durationMs !== null ? (
                        <span className="muted">
                          {' '}
                          · <span className="nowrap">{attempt.durationMs} ms</span>
                        </span>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** /console/webhooks?endpoint=…: endpoints, each one's delivery log with every attempt, and resend. */
export function WebhooksPage(props: { context: ConsoleContext; query: URLSearchParams }) {
  useDocumentTitle('Webhooks · Creditbook console');
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: () => unwrap(props.context.client.GET('/v1/webhook-endpoints', { params: { query: { limit: 100 } } })),
  });
  const selected = props.query.get('endpoint') ?? endpoints.data?.data[0]?.id;
  return (
    <>
      <h1>Webhooks</h1>
      <ErrorNotice error={endpoints.error} />
      {!endpoints.data ? (
        <Loading />
      ) : endpoints.data.data.length === 0 ? (
        <p className="muted">No webhook endpoints. Create one with POST /v1/webhook-endpoints.</p>
      ) : (
        <div className="grid webhooks-grid">
          <Section title="Endpoints">
            <ul className="plain-list">
              {endpoints.data.data.map((endpoint) => (
                <li key={endpoint.id} className={endpoint.id === selected ? 'list-row selected' : 'list-row'}>
                  <Link to={withQuery('/console/webhooks', { endpoint: endpoint.id })} current={endpoint.id === selected}>
                    {endpoint.url}
                  </Link>
                  <small className="muted">{endpoint.eventTypes.join(', ')}</small>
                </li>
              ))}
            </ul>
          </Section>
          {selected ? (
            <Section title="Deliveries">
              <Deliveries context={props.context} endpointId={selected} />
            </Section>
          ) : null}
        </div>
      )}
    </>
  );
}
