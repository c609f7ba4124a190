import test from 'ava';
import { checkReplyPath, parseReplyCounters } from '../../../src/lab/checks/reply-path.js';

// `iptables -L INPUT -v -n -x` in a lab client namespace (iptables 1.8.9, nf_tables), after ten DR requests.
const LISTING = `Chain INPUT (policy ACCEPT 61 packets, 5436 bytes)
    pkts      bytes target     prot opt in     out     source               destination
       0        0            0    --  *      *       10.10.31.100         0.0.0.0/0            MAC 52:54:00:32:00:11
      52     4352            0    --  *      *       10.10.31.100         0.0.0.0/0
`;

test('counters: all replies from the VIP, and those that carried the director MAC', (t) => {
  t.deepEqual(parseReplyCounters(LISTING), { total: 52, viaDirector: 0 });
  t.is(parseReplyCounters('Chain INPUT (policy ACCEPT)\n'), undefined);
});

test('DR passes with no reply through the director; NAT needs every reply through it', (t) => {
  t.true(checkReplyPath('direct', { total: 52, viaDirector: 0 }).ok);
  t.false(checkReplyPath('direct', { total: 52, viaDirector: 52 }).ok);
  t.true(checkReplyPath('masq', { total: 40, viaDirector: 40 }).ok);
  t.false(checkReplyPath('masq', { total: 40, viaDirector: 39 }).ok);
  t.false(checkReplyPath('masq', { total: 0, viaDirector: 0 }).ok, 'no reply at all is no proof');
  t.regex(checkReplyPath('direct', undefined).detail, /could not read/);
});
