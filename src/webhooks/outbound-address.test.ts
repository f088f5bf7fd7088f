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

  it('lets the opt-in networks through, and nothing next to them', () => {
    const allowed = parseAllowedHosts('127.0.0.1,10.1.0.0/16,fd00::/8');
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '10.1.255.255', 'fd00::5']) assert.equal(addressRefusal(address, allowed), null, address);
    for (const address of ['127.0.0.2', '10.2.0.1', '::1', 'fe80::1']) assert.notEqual(addressRefusal(address, allowed), null, address);
  });
});
