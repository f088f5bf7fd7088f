import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { ApiError, createClient, newIdempotencyKey, unwrap, type Client } from '../shared/api.ts';
import { GrantsTable, PurchasesTable, UsageByFeature, useGrants, useWallets, WalletOverview } from '../shared/customer-views.tsx';
import { formatTime } from '../shared/format.ts';
import type { PortalSession } from '../shared/types.ts';
import { Amount, ErrorNotice, Loading, Section, useDocumentTitle } from '../shared/ui.tsx';

/**
 * The customer portal. The link's fragment carries the session token; it is moved
 * to this tab's sessionStorage and removed from the address bar at once, so it is
 * never sent to a server, logged or leaked in a Referer. The token reads only this
 * customer's credits.
 */
const TOKEN_STORAGE = 'creditbook.portal.token';

function takeToken(): string | null {
  const fragment = window.location.hash.slice(1);
  if (fragment.startsWith('cb_portal_')) {
    sessionStorage.setItem(TOKEN_STORAGE, fragment);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_STORAGE);
}

function BuyCredits(props: { client: Client; session: PortalSession }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | null>(null);
  // One key per pack for this page view: a double click starts one purchase.
  const [keys] = useState(() => props.session.packs.map(() => newIdempotencyKey()));
  if (props.session.packs.length === 0) return <p className="muted">No credit packs are offered here. Contact us to buy more.</p>;
  const buy = async (index: number) => {
    setBusy(index);
    setError(null);
    try {
      const purchase = await unwrap(props.client.POST('/v1/portal-session/purchases', { body: { pack: index }, headers: { 'Idempotency-Key': keys[index]! } }));
      if (purchase.paymentSession?.url) window.location.assign(purchase.paymentSession.url);
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  };
  return (
    <>
      <ul className="packs">
        {props.session.packs.map((pack, index) => (
          <li key={index} className="pack">
            <strong>{pack.name ?? 'Credits'}</strong>
            <Amount value={pack.amount} unit={pack.unit} />
            <span className="pack-price">
              {pack.price} {(pack.currency ?? '').toUpperCase()}
            </span>
            <button type="button" className="button button-primary" disabled={busy !== null} onClick={() => void buy(index)} data-testid={`buy-${index}`}>
              {busy === index ? 'Opening checkout…' : 'Buy'}
            </button>
          </li>
        ))}
      </ul>
      <ErrorNotice error={error} />
    </>
  );
}

function Portal(props: { client: Client }) {
  const session = useQuery({ queryKey: ['portal-session'], queryFn: () => unwrap(props.client.GET('/v1/portal-session')) });
  const customerId = session.data?.customer.id ?? '';
  const wallets = useWallets(props.client, customerId);
  const grants = useGrants(props.client, customerId);
  const units = [...new Set((wallets.data?.data ?? []).map((wallet) => wallet.unit))];
  // "Now" is the environment's (a test environment's clock), as the runway states it: grants "expire in 2 days" by that clock.
  const runway = useQuery({
    queryKey: ['runway', customerId, units[0]],
    queryFn: () => unwrap(props.client.GET('/v1/balances/runway', { params: { query: { customerId, unit: units[0]! } } })),
    enabled: units[0] !== undefined,
  });
  useDocumentTitle(session.data ? `Credits · ${session.data.customer.name ?? session.data.customer.id}` : 'Your credits');
  if (session.error) return <Expired error={session.error} />;
  if (!session.data) return <Loading />;
  const now = runway.data ? Date.parse(runway.data.at) : Date.now();
  const outcome = new URLSearchParams(window.location.search).get('purchase');
  return (
    <div className="app portal">
      {!session.data.livemode ? (
        <div className="test-banner" role="status">
          TEST MODE: no real payment is taken.
        </div>
      ) : null}
      <header className="topbar">
        <span className="brand">Your credits</span>
        <span className="muted small">{session.data.customer.name ?? session.data.customer.id}</span>
        {session.data.returnUrl ? (
          <a className="button button-quiet button-small topbar-end" href={session.data.returnUrl}>
            Back
          </a>
        ) : null}
      </header>
      <main id="main">
        {outcome === 'paid' ? (
          <p className="notice" role="status">
            Thank you: your payment was received. The credits show below as soon as the payment is confirmed.
          </p>
        ) : outcome === 'canceled' ? (
          <p className="notice" role="status">
            The purchase was canceled; nothing was charged.
          </p>
        ) : null}
        <div className="grid">
          {units.map((unit) => (
            <div className="span-2" key={unit}>
              <WalletOverview client={props.client} customerId={customerId} unit={unit} now={now} grants={grants.data?.data ?? []} grantsLoaded={grants.data !== undefined} />
            </div>
          ))}
          {wallets.data && units.length === 0 ? <p className="muted">You have no credits yet.</p> : null}
          <div className="span-2">
            <Section title="Buy credits">
              <BuyCredits client={props.client} session={session.data} />
            </Section>
          </div>
          <div className="span-2">
            <Section title="Your grants">
              <ErrorNotice error={grants.error} />
              {grants.data ? <GrantsTable grants={grants.data.data.filter((grant) => grant.status !== 'voided')} now={now} /> : grants.error ? null : <Loading />}
            </Section>
          </div>
          {/* Half the width is too narrow for a purchase's five columns: both take the whole width. */}
          <div className="span-2">
            <Section title="Recent usage">
              <UsageByFeature client={props.client} customerId={customerId} />
            </Section>
          </div>
          <div className="span-2">
            <Section title="Purchases and invoices">
              <PurchasesTable client={props.client} customerId={customerId} />
            </Section>
          </div>
        </div>
        <p className="muted small footer-note">This page works until {formatTime(session.data.expiresAt)}.</p>
      </main>
    </div>
  );
}

function Expired(props: { error: unknown }) {
  return (
    <main className="sign-in">
      <div className="card">
        <h1>This link has expired</h1>
        <p>Portal links work for a short time. Open the page again from your account to get a new one.</p>
        {/* A customer reads this page: the API's code and wording are for developers, its request ID helps support. */}
        {props.error instanceof ApiError && props.error.requestId ? <p className="muted"><small data-testid="support-reference">Reference for support: {props.error.requestId}</small></p> : null}
      </div>
    </main>
  );
}

function App() {
  const [token] = useState(takeToken);
  const [client] = useState(() => (token ? createClient(token) : null));
  return client ? <Portal client={client} /> : <Expired error={null} />;
}

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } });
createRoot(document.getElementById('root')!).render(
  <QueryClientProvider client={queryClient}>
    <App />
  </QueryClientProvider>,
);
