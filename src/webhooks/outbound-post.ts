import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { addressRefusal, bareHost, isAllowedName, isIpLiteral, isLoopbackName, NO_ALLOWED_HOSTS, type AllowedHosts } from './outbound-address.ts';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses (the system resolver in production; tests inject their own). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/** Where webhooks may go: the operator's opt-in list, and how host names are resolved. */
export interface OutboundPolicy {
  allowed: AllowedHosts;
  resolve: HostResolver;
}

export const DEFAULT_OUTBOUND_POLICY: OutboundPolicy = { allowed: NO_ALLOWED_HOSTS, resolve: systemResolver };

/** How much of a receiver's reply is read before the connection is closed, and how much of it is kept. */
export const MAX_REPLY_BYTES = 4096;
export const REPLY_EXCERPT_CHARS = 256;

export interface OutboundReply {
  statusCode: number;
  /** The first REPLY_EXCERPT_CHARS characters of the reply. */
  excerpt: string;
}

/**
 * A failed attempt, with a generic text for the delivery log ("connection
 * refused", "timed out"): never the system's error, which would describe the
 * network behind the server.
 */
export class OutboundError extends Error {}

/** Why a URL may not be used for webhooks whatever DNS says, or null: an internal IP literal or `localhost`. */
export function urlRefusal(url: URL, allowed: AllowedHosts): string | null {
  const host = bareHost(url.hostname);
  if (isAllowedName(allowed, host)) return null;
  if (isLoopbackName(host)) return 'loopback';
  return isIpLiteral(host) ? addressRefusal(host, allowed) : null;
}

/**
 * POSTs `body` to `url` without ever reaching an internal address: the host is
 * resolved here (through `policy.resolve`), every address it resolves to is
 * checked, and the connection goes to the address that was checked, so a DNS
 * answer that changes between the check and the connection (rebinding) cannot
 * redirect it. Redirects are not followed. At most MAX_REPLY_BYTES of the reply
 * are read; then the connection is closed.
 */
export async function postGuarded(
  url: URL,
  input: {
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
    policy: OutboundPolicy;
    /** Applied to the whole reply read before it is cut to the excerpt, so nothing it masks is cut in half and kept. */
    redact?: ((text: string) => string) | null;
  },
): Promise<OutboundReply> {
  const { policy } = input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('unsupported URL');
  if (urlRefusal(url, policy.allowed) !== null) throw new OutboundError('address not allowed');
  const allowedByName = isAllowedName(policy.allowed, url.hostname);
  const lookup: LookupFunction = (hostname, options, callback) => {
    checkedAddress(hostname, policy, allowedByName).then(
      (resolved) => {
        if (options.all) (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, [resolved]);
        else callback(null, resolved.address, resolved.family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundReply>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: OutboundReply | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      if (outcome instanceof Error) reject(outcome instanceof OutboundError ? outcome : new OutboundError(genericError(outcome)));
      else resolve(outcome);
    };
    const request = send(
      url,
      { method: 'POST', headers: Object.assign({}, input.headers, { 'content-length': String(Buffer.byteLength(input.body)) }), lookup, agent: false },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8');
          finish({ statusCode: response.statusCode ?? 0, excerpt: (input.redact ? input.redact(text) : text).slice(0, REPLY_EXCERPT_CHARS) });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_REPLY_BYTES) done();
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => finish(new OutboundError('timed out')), input.timeoutMs);
    request.on('error', finish);
    request.end(input.body);
  });
}

/** Resolves a host name and returns an address that may be reached; refuses the name if any of its addresses may not. */
async function checkedAddress(hostname: string, policy: OutboundPolicy, allowedByName: boolean): Promise<ResolvedAddress> {
  let addresses: ResolvedAddress[];
  try {
    addresses = await policy.resolve(hostname);
  } catch {
    throw new OutboundError('host not found');
  }
  const first = addresses[0];
  if (!first) throw new OutboundError('host not found');
  if (!allowedByName && addresses.some(({ address }) => addressRefusal(address, policy.allowed) !== null)) throw new OutboundError('address not allowed');
  return first;
}

const GENERIC_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
};

function genericError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (GENERIC_ERRORS[code]) return GENERIC_ERRORS[code];
  if (/CERT|TLS|SSL/.test(code) || /certificate|TLS|SSL/i.test(error.message)) return 'TLS handshake failed';
  return 'connection failed';
}
