/**
 * The lab's check modules against real peers in namespaces the tests create and delete: the syslog receiver, the
 * TCP and UDP scans, the ARP owner, a stream, the pair's metrics (lvs_vip_held), and the real-server changes of
 * the health-check phases (stop, failing with HTTP 500, back), through the client's one request.
 */
import type { ExecutionContext } from 'ava';
import path from 'node:path';
import { judgeArpOwners, arpOwners } from '../../../src/lab/checks/arp-owner.js';
import { scrapeMetrics } from '../../../src/lab/checks/metrics.js';
import { startSyslogReceiver, waitForSyslog, receivedSyslog } from '../../../src/lab/checks/syslog.js';
import { checkTcpScan, scanTcp } from '../../../src/lab/checks/tcp-scan.js';
import { checkUdpScan, probeUdp } from '../../../src/lab/checks/udp-scan.js';
import { VIP_HELD } from '../../../src/lab/checks/vip-held.js';
import { ask, openStream, request, streamVerdict } from '../../../src/lab/client.js';
import { newSession, type LabContext } from '../../../src/lab/context.js';
import { startDaemon } from '../../../src/lab/daemon.js';
import { startServer } from '../../../src/lab/hosts.js';
import type { LabPlan, LabRealServer } from '../../../src/lab/plan/types.js';
import { applyChange } from '../../../src/lab/scenarios/changes.js';
import { runInNetns, systemTool } from '../../../src/lib/netns.js';
import { integrationTest } from '../../_helpers/integration.js';
import { makePeers, type Peers } from '../../_helpers/lab-peers.js';

const NEEDS = ['root', 'ip', 'curl', 'busybox'];

/** A test with a client and a peer namespace of its own (tag: a few letters naming them). */
function peerTest(title: string, tag: string, fn: (t: ExecutionContext, p: Peers) => Promise<void>): void {
  integrationTest(title, NEEDS, async (t) => fn(t, await makePeers(t, tag)));
}

/** The client's view of a real server on the peer at `port`. */
function target(p: Peers, port: number): Pick<LabPlan, 'target' | 'client'> {
  return {
    target: { vip: p.peerAddress, port },
    client: { ns: p.client, peer: 'x', bridge: 'x', cidr: `${p.clientAddress}/24` },
  };
}

function realServer(p: Peers, port: number, body: string): LabRealServer {
  return {
    name: 'w1',
    ns: p.peer,
    peer: 'x',
    bridge: 'x',
    cidr: `${p.peerAddress}/24`,
    port,
    body,
    loopbackVips: [],
  };
}

/** The syslog receiver on the peer's UDP 5514, stopped after the test. */
async function receiverOn(t: ExecutionContext, p: Peers): Promise<void> {
  const receiver = await startSyslogReceiver(p.workDir, {
    host: { ns: p.peer, peer: 'x', bridge: 'x', cidr: `${p.peerAddress}/24` },
    scan: [],
    syslog: { address: p.peerAddress, port: 5514 },
  });
  t.teardown(() => receiver.stop());
}

peerTest(
  'syslog: the receiver records each datagram with its sender; waitForSyslog finds lines after a mark',
  'sl',
  async (t, p) => {
    await receiverOn(t, p);
    const send = (text: string) =>
      runInNetns(p.client, process.execPath, [
        '-e',
        `const s = require('node:dgram').createSocket('udp4'); s.send(process.argv[1], 5514, '${p.peerAddress}', () => s.close());`,
        text,
      ]);
    await send('<6>kernel: Linux version 6.1\n');
    await send('<30>Keepalived_vrrp[7]: (dsas_eth0) Entering MASTER STATE');
    const [kernel, master] = await waitForSyslog(
      p.workDir,
      [(l) => l.text.includes('Linux version'), (l) => l.text.includes('Entering MASTER STATE')],
      10_000,
    );
    t.deepEqual(kernel, { from: p.clientAddress, text: '<6>kernel: Linux version 6.1' });
    t.is(master?.from, p.clientAddress);
    const mark = (await receivedSyslog(p.workDir)).length;
    t.is(mark, 2);
    const [none] = await waitForSyslog(p.workDir, [(l) => l.text.includes('Linux version')], 600, mark);
    t.is(none, undefined, 'only lines after the mark count');
  },
);

peerTest(
  'TCP scan: finds exactly the listening ports, and the check names an unexpected one',
  'ts',
  async (t, p) => {
    const a = await startServer(p.workDir, realServer(p, 8080, 'a'), { kind: 'streaming' });
    const b = await startServer(p.workDir, realServer(p, 9443, 'b'), { kind: 'streaming' });
    t.teardown(() => Promise.all([a.stop(), b.stop()]));
    t.deepEqual(await scanTcp(p.client, p.peerAddress, 8000, 10000), [8080, 9443]);
    const scan = (address: string) => scanTcp(p.client, address, 8000, 10000);
    const ok = await checkTcpScan([{ address: p.peerAddress, open: [8080, 9443] }], scan, '8000-10000');
    t.true(ok.ok, ok.detail);
    const extra = await checkTcpScan([{ address: p.peerAddress, open: [8080] }], scan, '8000-10000');
    t.false(extra.ok);
    t.is(extra.detail, `${p.peerAddress} has TCP 9443 open`);
  },
);

peerTest(
  'UDP scan: a closed port answers ICMP, an open socket is silent, and only allowed ones may be',
  'us',
  async (t, p) => {
    await receiverOn(t, p);
    // The default spacing holds against the peer's ICMP rate limit (1 error a second after a burst of 6): 8 closed
    // ports in a row all read closed.
    const eight = [53, 67, 68, 69, 111, 123, 161, 500];
    t.deepEqual(
      await probeUdp(p.client, p.peerAddress, [...eight, 5514]),
      Object.fromEntries([...eight.map((n) => [n, 'closed']), [5514, 'silent']]),
    );
    // The scans below test the check, not the spacing: the peer sends ICMP errors unlimited, probes follow at once.
    await runInNetns(p.peer, systemTool('sysctl'), ['-qw', 'net.ipv4.icmp_ratelimit=0']);
    const probe = (address: string, ports: number[]) => probeUdp(p.client, address, ports, 0);
    const allowed = await checkUdpScan(
      { scan: [{ address: p.peerAddress, open: [], openUdp: [5514] }] },
      [5514],
      probe,
    );
    t.true(allowed.ok, allowed.detail);
    const stray = await checkUdpScan(
      { scan: [{ address: p.peerAddress, open: [], openUdp: [] }] },
      [5514],
      probe,
    );
    t.false(stray.ok);
    t.regex(stray.detail, new RegExp(`not closed: ${p.peerAddress.replaceAll('.', '\\.')} UDP 5514 silent`));
  },
);

peerTest(
  'ARP owner: the peer holding the address answers with its MAC; the check wants exactly the holder',
  'ar',
  async (t, p) => {
    const link = await runInNetns(p.peer, 'cat', ['/sys/class/net/eth0/address']);
    const mac = link.stdout.trim();
    const owners = await arpOwners(p.client, p.peerAddress);
    t.deepEqual(owners, [mac]);
    t.true(judgeArpOwners('held', owners, 'lv1', mac).ok);
    const wrong = judgeArpOwners('held', owners, 'lv2', '52:54:00:00:00:02');
    t.false(wrong.ok);
    t.is(wrong.detail, `ARP for the VIP answered by ${mac} (lv2 is 52:54:00:00:00:02)`);
    t.deepEqual(await arpOwners(p.client, '10.77.250.9'), [], 'nobody answers for an address nobody holds');
  },
);

peerTest(
  'a stream is complete when every chunk came in order; cut short, it is broken',
  'st',
  async (t, p) => {
    const server = await startServer(p.workDir, realServer(p, 8080, 'w1 body'), { kind: 'streaming' });
    t.teardown(() => server.stop());
    const whole = streamVerdict(await openStream(target(p, 8080), 5, 45999));
    t.deepEqual(whole, { ok: true, detail: 'stream of 5 chunks from w1 body complete' });
    const cut = openStream(target(p, 8080), 30, 45998);
    await new Promise((r) => setTimeout(r, 1200));
    await server.stop();
    const broken = streamVerdict(await cut);
    t.false(broken.ok);
    t.regex(broken.detail, /^stream broken: curl exit \d+, \d+ of 30 chunks$/);
  },
);

peerTest(
  'vip-held: the holder must say 1 for each floating address and every other living member 0',
  'vh',
  async (t, p) => {
    const serve = (port: number, held: number) =>
      startDaemon(
        'ip',
        [
          ...['netns', 'exec', p.peer, process.execPath, '-e'],
          `require('node:http').createServer((q, s) => s.end('lvs_vip_held{address="10.10.31.100",interface="eth0"} ${held}\\n')).listen(${port}, '${p.peerAddress}', () => console.log('up'))`,
        ],
        path.join(p.workDir, `metrics-${port}.log`),
      );
    const [m1, m2] = [await serve(9101, 1), await serve(9102, 0)];
    t.teardown(() => Promise.all([m1.stop(), m2.stop()]));
    const url = (port: number) => `http://${p.peerAddress}:${port}/cgi-bin/metrics`;
    for (let i = 0; i < 100 && (await scrapeMetrics(p.client, url(9102))).status !== '200'; i++)
      await new Promise((r) => setTimeout(r, 100));
    const ctx = {
      plan: {
        ops: { host: { ns: p.client }, scan: [] },
        pair: { floating: ['10.10.31.100'] },
        members: [
          { hostname: 'lv1', nics: [], metricsUrl: url(9101) },
          { hostname: 'lv2', nics: [], metricsUrl: url(9102) },
        ],
      },
    } as unknown as LabContext;
    const both = ['lv1', 'lv2'];
    const good = await VIP_HELD(ctx, { check: 'vip-held', label: 'held', holder: 'lv1', living: both }, 0);
    t.true(good.ok, good.detail);
    t.is(good.detail, 'lvs_vip_held: lv1: 10.10.31.100 1; lv2: 10.10.31.100 0');
    const bad = await VIP_HELD(ctx, { check: 'vip-held', label: 'held', holder: 'lv2', living: both }, 0);
    t.false(bad.ok);
    t.is(bad.detail, 'lv1 says 10.10.31.100 1 (expected 0); lv2 says 10.10.31.100 0 (expected 1)');
  },
);

peerTest(
  'health-check changes: stop, HTTP 500 (a failure to the client, like a timeout), back',
  'hc',
  async (t, p) => {
    const rs = realServer(p, 8080, 'w1 body');
    const ctx = {
      plan: { ...target(p, 8080), realServers: [rs] },
      workDir: p.workDir,
      session: newSession({ kind: 'streaming' }),
    } as unknown as LabContext;
    t.teardown(async () => {
      for (const d of ctx.session.servers.values()) await d.stop();
    });
    ctx.session.servers.set('w1', await startServer(p.workDir, rs, { kind: 'streaming' }));
    t.deepEqual(await ask(ctx.plan, 2), ['w1 body\n', 'w1 body\n']);
    await applyChange(ctx, { kind: 'failing-server', server: 'w1', status: 500 });
    const raw = await runInNetns(p.client, 'curl', [
      '-s',
      '-w',
      ' %{http_code}',
      `http://${p.peerAddress}:8080/`,
    ]);
    t.is(raw.stdout, 'broken\n 500');
    t.is(await request(ctx.plan), undefined, 'an HTTP error is a failed request');
    await applyChange(ctx, { kind: 'stop-server', server: 'w1' });
    t.false(ctx.session.servers.has('w1'));
    t.is(await request(ctx.plan, 1), undefined);
    await applyChange(ctx, { kind: 'start-server', server: 'w1' });
    t.is(await request(ctx.plan), 'w1 body\n');
  },
);
