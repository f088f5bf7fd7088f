import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { unwrap } from '../shared/api.ts';
import { useBalance, useWallets } from '../shared/customer-views.tsx';
import { formatDate } from '../shared/format.ts';
import { Link, navigate, withQuery } from '../shared/router.tsx';
import { Amount, ErrorNotice, Field, Loading, Pager, Section, useDocumentTitle } from '../shared/ui.tsx';
import type { ConsoleContext } from './main.tsx';

function WalletBalance(props: { context: ConsoleContext; customerId: string; unit: string }) {
  const balance = useBalance(props.context.client, props.customerId, props.unit);
  return balance.data ? <Amount value={balance.data.available} unit={props.unit} /> : <span className="muted">…</span>;
}

function CustomerBalances(props: { context: ConsoleContext; customerId: string }) {
  const wallets = useWallets(props.context.client, props.customerId);
  if (!wallets.data) return <span className="muted">…</span>;
  if (wallets.data.data.length === 0) return <span className="muted">no wallet</span>;
  return (
    <ul className="inline-list">
      {wallets.data.data
        .filter((wallet) => wallet.walletKey === null)
        .map((wallet) => (
          <li key={wallet.id}>
            <WalletBalance context={props.context} customerId={props.customerId} unit={wallet.unit} />
          </li>
        ))}
    </ul>
  );
}

/** /console/customers?search=…: find a customer by part of the ID, name, external ID or email. */
export function CustomersPage(props: { context: ConsoleContext; search: string }) {
  useDocumentTitle('Customers · Creditbook console');
  const [cursor, setCursor] = useState<string[]>([]);
  const after = cursor.at(-1);
  const customers = useQuery({
    queryKey: ['customers', props.search, after],
    queryFn: () => unwrap(props.context.client.GET('/v1/customers', { params: { query: { search: props.search || undefined, limit: 20, startingAfter: after } } })),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setCursor([]);
    navigate(withQuery('/console/customers', { search: String(new FormData(event.currentTarget).get('search') ?? '') }), { replace: true });
  };
  return (
    <>
      <h1>Customers</h1>
      <form className="toolbar" role="search" onSubmit={submit}>
        <Field label="Search by ID, name, external ID or email">
          {(id) => <input id={id} name="search" type="search" defaultValue={props.search} key={props.search} data-testid="customer-search" />}
        </Field>
        <button className="button button-primary" type="submit">
          Search
        </button>
      </form>
      <Section title={props.search ? `Matching “${props.search}”` : 'All customers'}>
        <ErrorNotice error={customers.error} />
        {customers.error ? null : !customers.data ? (
          <Loading />
        ) : customers.data.data.length === 0 ? (
          <p className="muted">No customers found.</p>
        ) : (
          <div className="table-wrap">
            <table className="stack">
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">External ID</th>
                  <th scope="col">Available</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {customers.data.data.map((customer) => (
                  <tr key={customer.id}>
                    <td>
                      <Link to={`/console/customers/${encodeURIComponent(customer.id)}`} testId={`customer-${customer.id}`}>
                        {customer.name ?? customer.id}
                      </Link>
                      <div>
                        <code className="small">{customer.id}</code>
                      </div>
                    </td>
                    <td data-label="External ID">{customer.externalId ?? <span className="muted">—</span>}</td>
                    <td data-label="Available">
                      <CustomerBalances context={props.context} customerId={customer.id} />
                    </td>
                    <td data-label="Created">{formatDate(customer.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager page={cursor.length} hasMore={customers.data?.hasMore ?? false} previous={() => setCursor(cursor.slice(0, -1))} next={() => setCursor([...cursor, customers.data!.data.at(-1)!.id])} />
      </Section>
    </>
  );
}
