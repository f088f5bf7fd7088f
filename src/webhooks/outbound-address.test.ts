import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressRefusal, NO_ALLOWED_HOSTS, parseAllowedHosts } from './outbound-address.ts';

describe('which addresses webhooks may reach', () => {
  it('only global unicast, whatever the spelling', () => {
    const refused: Record<string, string> = {
      '127.0.0.1': 'loopback',
      '::1': 'loopback',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:7f00:1': 'loopback',
      '0.0.0.0': 'unspecified',
      '::': 'unspecified',
      '169.254.169.254': 'linkLocal',
      'fe80::1': 'linkLocal',
      '10.0.0.1': 'private',
      '::ffff:192.168.1.1': 'private',
      'fd12:3456::1': 'uniqueLocal',
      '100.64.0.1': 'carrierGradeNat',
      '239.255.255.250': 'multicast',
      'ff02::1': 'multicast',
      '64:ff9b::a00:1': 'rfc6052',
      '2002:a00:1::1': '6to4',
      'not an address': 'invalid',
    };
    for (const [address, range] of Object.entries(refused)) assert.equal(addressRefusal(address, NO_ALLOWED_HOSTS), range, address);
    for (const address of ['93.184.215.14', '2606:4700:4700::1111', '::ffff:93.184.215.14']) assert.equal(addressRefusal(address, NO_ALLOWED_HOSTS), null, address);
  });

  it('refuses every IPv6 form that reaches IPv4 or internal space, whatever address it embeds', () => {
    const refused: Record<string, string> = {
      // IPv4-compatible, ::/96 (RFC 4291 §2.5.5.1): as URLs spell it, and as libuv prints a resolved one.
      '::7f00:1': 'ipv4Compatible',
      '::127.0.0.1': 'ipv4Compatible',
      '::a00:1': 'ipv4Compatible',
      '::10.0.0.1': 'ipv4Compatible',
      '::808:808': 'ipv4Compatible',
      '::8.8.8.8': 'ipv4Compatible',
      '::2': 'ipv4Compatible',
      '::ffff:ffff': 'ipv4Compatible',
      '0:0:0:0:0:0:a9fe:a9fe': 'ipv4Compatible',
      '::1.2.3.4.5': 'invalid',
      '::256.0.0.1': 'invalid',
      // IPv4-mapped ::ffff:0:0/96 is judged by the IPv4 address it maps; IPv4-translated ::ffff:0:0:0/96 refused.
      '::ffff:a9fe:a9fe': 'linkLocal',
      '::ffff:0:808:808': 'rfc6145',
      // NAT64, 6to4 and Teredo reach an IPv4 address through a translator or relay: refused whole, even for a public one.
      '64:ff9b::808:808': 'rfc6052',
      '64:ff9b::8.8.8.8': 'rfc6052',
      '64:ff9b:1::a00:1': 'rfc6052',
      '2002:808:808::1': '6to4',
      '2002:a9fe:a9fe::1': '6to4',
      '2001::1': 'teredo',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2': 'teredo',
      'fec0::1': 'deprecatedSiteLocal',
      'fc00::1': 'uniqueLocal',
      'fdff:ffff::1': 'uniqueLocal',
      'febf:ffff::1': 'linkLocal',
      'ff0e::1': 'multicast',
      '2001:db8::1': 'reserved',
      '3fff::1': 'reserved',
      '100::1': 'discard',
      // Outside 2000::/3 and in no range ipaddr.js names: reserved by the IETF.
      '::1:0:0:1': 'reserved',
      '100:0:0:1::1': 'reserved',
      '1::1': 'reserved',
      '4000::1': 'reserved',
      'e000::1': 'reserved',
    };
    for (const [address, range] of Object.entries(refused)) assert.equal(addressRefusal(address, NO_ALLOWED_HOSTS), range, address);
    for (const address of ['2001:4860:4860::8888', '2a00:1450:4001:80b::200e', '3ffe::1', '::ffff:8.8.8.8']) assert.equal(addressRefusal(address, NO_ALLOWED_HOSTS), null, address);
  });

  it('lets the opt-in networks through, and nothing next to them', () => {
    const allowed = parseAllowedHosts('127.0.0.1,10.1.0.0/16,fd00::/8');
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '10.1.255.255', 'fd00::5']) assert.equal(addressRefusal(address, allowed), null, address);
    for (const address of ['127.0.0.2', '10.2.0.1', '::1', 'fe80::1']) assert.notEqual(addressRefusal(address, allowed), null, address);
    // An IPv4-compatible address is not the IPv4 address it embeds: allowing 127.0.0.1 does not allow ::127.0.0.1.
    for (const address of ['::127.0.0.1', '::7f00:1', '::10.1.0.1']) assert.equal(addressRefusal(address, allowed), 'ipv4Compatible', address);
    const compatible = parseAllowedHosts('::127.0.0.1');
    assert.equal(addressRefusal('::7f00:1', compatible), null);
    assert.equal(addressRefusal('127.0.0.1', compatible), 'loopback');
  });
});
