import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';

/**
 * A tiny history router: the URL (path and query) is the whole page state, so
 * every page can be shared, bookmarked and reloaded.
 */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(window.location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(window.location.href));
    window.addEventListener('popstate', update);
    window.addEventListener('creditbook:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('creditbook:navigate', update);
    };
  }, []);
  return url;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event('creditbook:navigate'));
  window.scrollTo(0, 0);
}

/** `path` with its query set from `params` (empty values dropped). */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export function Link(props: { to: string; children: ReactNode; className?: string; current?: boolean; testId?: string }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(props.to);
  };
  return (
    <a href={props.to} onClick={click} className={props.className} aria-current={props.current ? 'page' : undefined} data-testid={props.testId}>
      {props.children}
    </a>
  );
}
