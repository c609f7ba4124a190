// Probes UDP PORTS (comma-separated) of ADDRESS one after another and prints {port: state} as JSON: `closed` (ICMP
// port unreachable, seen as ECONNREFUSED), `answered`, or `silent` (nothing in 1 s: open or filtered). Probes go out
// 1.1 s apart whatever the answer: Linux sends a peer at most one ICMP error a second once a burst of 6 is spent
// (icmp_ratelimit), so probes that followed quick refusals faster would read as silent. GAP_MS (default 1100) sets
// that spacing, for a target whose namespace has icmp_ratelimit 0: then each probe starts once the last one ended.
// Usage: udp-probe.mjs ADDRESS PORTS [GAP_MS]
import { createSocket } from 'node:dgram';

const [address, list, gapArg] = process.argv.slice(2);
const gapMs = gapArg === undefined ? 1100 : Number(gapArg);
const out = {};
const one = (port) =>
  new Promise((done) => {
    const s = createSocket('udp4');
    let state = 'silent';
    let over = false;
    let spaced = false;
    const end = () => {
      if (over) return;
      over = true;
      clearTimeout(t);
      s.close();
      out[port] = state;
      if (spaced) done();
    };
    const t = setTimeout(end, 1000);
    setTimeout(() => {
      spaced = true;
      if (over) done();
    }, gapMs);
    s.on('message', () => {
      state = 'answered';
      end();
    });
    s.on('error', (e) => {
      state = e.code === 'ECONNREFUSED' ? 'closed' : `error ${e.code}`;
      end();
    });
    s.connect(port, address, () => s.send(Buffer.from('lvs-image lab probe\n')));
  });
for (const p of list.split(',').map(Number)) await one(p);
process.stdout.write(JSON.stringify(out));
