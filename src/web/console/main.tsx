import { QueryClient, QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/styles.css';
import { ApiError, createClient, unwrap, type Client } from '../shared/api.ts';
import { formatTime } from '../shared/format.ts';
import { Link, navigate, useLocation } from '../shared/router.tsx';
import type { Unit } from '../shared/types.ts';
import { ActionDialog, ErrorNotice, Field, useDocumentTitle } from '../shared/ui.tsx';
import { UtcMinuteField } from '../shared/utc-minute-field.tsx';
import { CustomerPage } from './customer-page.tsx';
import { CustomersPage } from './customers-page.tsx';
import { EventsPage, WebhooksPage } from './events-pages.tsx';
import { utcMinute } from './form-values.ts';
import { LedgerPage } from './ledger-page.tsx';
import { RevenuePage } from './revenue-page.tsx';

/**
 * The operator console. The API key is kept in this tab's sessionStorage (never
 * in a URL); it decides the environment shown, and a test key marks every page.
 */
const KEY_STORAGE = 'creditbook.console.key';

export interface ConsoleContext {
  client: Client;
  testMode: boolean;
  units: Unit[];
}

function SignIn(props: { onSignIn: (key: string) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useDocumentTitle('Sign in · Creditbook console');
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const key = String(new FormData(event.currentTarget).get('key') ?? '').trim();
    setBusy(true);
    setError(null);
    try {
      await unwrap(createClient(key).GET('/v1/units'));
      props.onSignIn(key);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? new Error('That API key is not valid (or was revoked).') : caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit}>
        <h1>Creditbook console</h1>
        <p className="muted">Sign in with an API key. A test key (cb_test_…) shows the test environment; a live key, live data.</p>
        <Field label="API key">{(id) => <input id={id} name="key" type="password" autoComplete="off" required placeholder="cb_test_…" data-testid="api-key" />}</Field>
        <ErrorNotice error={error} />
        <button className="button button-primary" type="submit" disabled={busy} data-testid="sign-in">
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          On first start, <code>npm start</code> prints a test key. <code>npx creditbook keys create --env test</code> makes another.
        </p>
      </form>
    </main>
  );
}

function TestClock(props: { client: Client }) {
  const queryClient = useQueryClient();
  const clock = useQuery({ queryKey: ['test-clock'], queryFn: () => unwrap(props.client.GET('/v1/test-clock')) });
  if (!clock.data) return null;
  return (
    <div className="clock" data-testid="test-clock">
      <span>
        <span className="wide-only">Test clock: </span>
        <time dateTime={clock.data.now} aria-label={`Test clock ${formatTime(clock.data.now)}`}>
          {formatTime(clock.data.now)}
        </time>
        <span className="wide-only"> {clock.data.frozen ? '(frozen)' : '(real time)'}</span>
      </span>
      <ActionDialog
        label="Advance"
        title="Advance the test clock"
        confirmLabel="Advance"
        buttonClass="button button-small"
        testId="advance-clock"
        run={(_key, form) => unwrap(props.client.POST('/v1/test-clock/advance', { body: { to: utcMinute(form, 'to')!.iso } }))}
        done={() => void queryClient.invalidateQueries()}
      >
        <p>Expiries, renewals and holds due on the way are booked at their exact times.</p>
        <UtcMinuteField label="Move to (UTC)" name="to" required defaultValue={clock.data.now} testId="clock-to" />
      </ActionDialog>
    </div>
  );
}

const NAV = [
  { to: '/console/customers', label: 'Customers' },
  { to: '/console/ledger', label: 'Ledger' },
  { to: '/console/revenue', label: 'Revenue' },
  { to: '/console/events', label: 'Events' },
  { to: '/console/webhooks', label: 'Webhooks' },
];

function Shell(props: { keyText: string; onSignOut: () => void }) {
  const location = useLocation();
  const [client] = useState(() => createClient(props.keyText));
  const testMode = props.keyText.startsWith('cb_test_');
  const units = useQuery({ queryKey: ['units'], queryFn: () => unwrap(client.GET('/v1/units')) });
  const context: ConsoleContext = { client, testMode, units: units.data?.data ?? [] };
  const path = location.pathname.replace(/\/$/, '');
  // After an in-page navigation, focus moves to the new page's content, as a full page load would reset it.
  const firstPath = useRef(path);
  useEffect(() => {
    if (path !== firstPath.current) document.getElementById('main')?.focus({ preventScroll: true });
    firstPath.current = '';
  }, [path]);
  const customerMatch = /^\/console\/customers\/([^/]+)$/.exec(path);
  let page;
  if (customerMatch) page = <CustomerPage context={context} customerId={decodeURIComponent(customerMatch[1]!)} unit={location.searchParams.get('unit') ?? undefined} />;
  else if (path === '/console/ledger') page = <LedgerPage context={context} query={location.searchParams} />;
  else if (path === '/console/revenue') page = <RevenuePage context={context} query={location.searchParams} />;
  else if (path === '/console/events') page = <EventsPage context={context} query={location.searchParams} />;
  else if (path === '/console/webhooks') page = <WebhooksPage context={context} query={location.searchParams} />;
  else if (path === '/console/customers' || path === '/console') page = <CustomersPage context={context} search={location.searchParams.get('search') ?? ''} />;
  else page = <p>No such page. <Link to="/console/customers">Go to customers</Link>.</p>;
  return (
    <div className={testMode ? 'app test-mode' : 'app'}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      {testMode ? (
        <div className="test-banner" role="status" data-testid="test-mode">
          TEST MODE: test data, test clock and test payments. Nothing here is real money.
        </div>
      ) : null}
      <header className="topbar">
        <Link to="/console/customers" className="brand">
          Creditbook
        </Link>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} current={path.startsWith(item.to)}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-end">
          {testMode ? <TestClock client={client} /> : <span className="badge badge-good">LIVE</span>}
          <button type="button" className="button button-quiet button-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </div>
  );
}

function App() {
  const [key, setKey] = useState(() => sessionStorage.getItem(KEY_STORAGE));
  const signIn = (value: string) => {
    sessionStorage.setItem(KEY_STORAGE, value);
    setKey(value);
    if (window.location.pathname === '/console' || window.location.pathname === '/console/') navigate('/console/customers', { replace: true });
  };
  const signOut = () => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(null);
  };
  return key ? <Shell keyText={key} onSignOut={signOut} /> : <SignIn onSignIn={signIn} />;
}

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false, staleTime: 2000 } } });
createRoot(document.getElementById('root')!).render(
  <QueryClientProvider client={queryClient}>
    <App />
  </QueryClientProvider>,
);
