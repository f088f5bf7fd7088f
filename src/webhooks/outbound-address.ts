import ipaddr from 'ipaddr.js';

/**
 * Which addresses a webhook may reach. Only global unicast addresses are
 * reachable: loopback, private, link-local (169.254.169.254, the cloud metadata
 * address, among them), unique-local, carrier-grade NAT, multicast, broadcast,
 * unspecified, reserved, and the IPv6 forms that embed an IPv4 address (mapped,
 * NAT64, 6to4, Teredo) are refused, unless the operator allowed them
 * (WEBHOOK_ALLOWED_HOSTS). Addresses are classified by `ipaddr.js`, after an
 * IPv4-mapped or IPv4-compatible IPv6 address is turned into its IPv4 address.
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
    const entry = raw.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
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
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.process(address);
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (allowed.networks.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return null;
  return range;
}
