import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach. Only global unicast addresses are
 * reachable: loopback, private, link-local (169.254.169.254, the cloud metadata
 * address, among them), unique-local, carrier-grade NAT, multicast, broadcast,
 * unspecified, reserved, and the IPv6 forms that embed an IPv4 address
 * (IPv4-compatible, NAT64, 6to4, Teredo) are refused, unless the operator
 * allowed them (WEBHOOK_ALLOWED_HOSTS). Addresses are classified by `ipaddr.js`
 * (an IPv4-mapped IPv6 address as its IPv4 address), and an IPv6 address it
 * calls `unicast` is checked again here (`ipv6UnicastRefusal`), since it calls
 * so everything its table does not name.
 */

/** The operator's opt-in: host names and networks a webhook may reach although they are internal. */
export interface AllowedHosts {
  /** Lower-case host names without a trailing dot; a URL naming one may reach whatever it resolves to. */
  names: ReadonlySet<string>;
  networks: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export const NO_ALLOWED_HOSTS: AllowedHosts = { names: new Set(), networks: [] };

/**
 * Parses WEBHOOK_ALLOWED_HOSTS: a comma-separated list of host names
 * (`localhost`, `hooks.internal`), addresses (`127.0.0.1`, `::1`) and networks
 * in CIDR form (`10.0.0.0/8`, `fd00::/8`). Throws on an entry that is none of these.
 */
export function parseAllowedHosts(list: string | undefined): AllowedHosts {
  const names = new Set<string>();
  const networks: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const raw of (list ?? '').split(',')) {
    const entry = withHexTail(raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1'));
    if (entry === '') continue;
    if (ipaddr.isValidCIDR(entry)) networks.push(normalizedNetwork(ipaddr.parseCIDR(entry)));
    else if (ipaddr.isValid(entry)) {
      const address = ipaddr.process(entry);
      networks.push([address, address.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(entry)) names.add(entry.replace(/\.$/, ''));
    else throw new Error(`WEBHOOK_ALLOWED_HOSTS: '${raw.trim()}' is not a host name, an IP address or a CIDR network.`);
  }
  return { names, networks };
}

/** A network given as an IPv4-mapped IPv6 CIDR (::ffff:10.0.0.0/104) matches the IPv4 addresses it maps. */
function normalizedNetwork([address, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [address, bits];
}

/**
 * An IPv6 address (or network) with its dotted IPv4 tail written as two hex
 * groups: `::8.8.8.8` → `::808:808`. ipaddr.js reads `::a.b.c.d` as the
 * IPv4-mapped `::ffff:a.b.c.d`, but RFC 4291 reads it as the IPv4-compatible
 * `::a.b.c.d`, and that is how libuv prints any address in ::/96 that a resolver
 * returns: unconverted, `::8.8.8.8` would pass as 8.8.8.8 and `::127.0.0.1`
 * would match an opt-in for 127.0.0.1. Other text is returned as it is.
 */
function withHexTail(text: string): string {
  return text.replace(/:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?=%|\/|$)/, (_tail, a: string, b: string, c: string, d: string) => {
    const [high, low] = [[a, b], [c, d]].map(([first, second]) => ((Number(first) << 8) + Number(second)).toString(16));
    // An octet above 255 makes a group of five hex digits, which ipaddr.js refuses as it should.
    return `:${high}:${low}`;
  });
}

/** The URL host without IPv6 brackets or a trailing dot, lower case. */
export function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host);
}

/** Whether the operator allowed this host name outright. */
export function isAllowedName(allowed: AllowedHosts, host: string): boolean {
  return allowed.names.has(bareHost(host));
}

/** `localhost` and its subdomains are loopback by definition (RFC 6761), whatever a resolver says. */
export function isLoopbackName(host: string): boolean {
  const name = bareHost(host);
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why a webhook may not connect to this address (its ipaddr.js range, such as
 * `loopback` or `private`), or null when it may: a global unicast address, or
 * one inside a network the operator allowed.
 */
export function addressRefusal(address: string, allowed: AllowedHosts): string | null {
  const text = withHexTail(address);
  if (!ipaddr.isValid(text)) return 'invalid';
  const parsed = ipaddr.process(text);
  const range = rangeOf(parsed);
  if (range === 'unicast') return null;
  if (allowed.networks.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return null;
  return range;
}

/** The ipaddr.js range of an address, narrowed where ipaddr.js calls `unicast` an IPv6 address no public receiver has. */
function rangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = address.range();
  if (range !== 'unicast' || address.kind() !== 'ipv6') return range;
  return ipv6UnicastRefusal(address as ipaddr.IPv6) ?? range;
}

/** ::/96 less :: and ::1, which ipaddr.js already calls `unspecified` and `loopback`. */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');
/** The only IPv6 space allocated for global unicast (RFC 4291 §2.4; IANA's IPv6 address space registry). */
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Why an IPv6 address that ipaddr.js calls `unicast` may not be reached, or null.
 * ipaddr.js has no range for an IPv4-compatible address (`::7f00:1`, that is
 * `::127.0.0.1`; RFC 4291 §2.5.5.1, deprecated), yet a stack with an automatic
 * tunnel (Linux `sit`) sends it to the IPv4 address inside, so the whole of ::/96
 * is refused, whatever that address is. Outside 2000::/3 every address is reserved
 * by the IETF or has a range of its own (NAT64, discard, local, multicast): one
 * that ipaddr.js does not name (`::1:0:0:1`, `100:0:0:1::1`) is no public
 * receiver either.
 */
function ipv6UnicastRefusal(address: ipaddr.IPv6): string | null {
  if (address.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  if (!address.match(GLOBAL_UNICAST)) return 'reserved';
  return null;
}
