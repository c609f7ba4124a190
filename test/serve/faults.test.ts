/**
 * Fault tests between two test-made namespaces `lvsi-t-<pid>-a` (serve) and `-b` (clients), joined by a veth
 * with 10.99.0.1/30 and 10.99.0.2/30 that exist only there. Both directions lose 5 % and reorder 25 % of
 * packets (tc netem, or nftables + HTB where the kernel lacks netem; see impairLink).
 */
import test from 'ava';
import path from 'node:path';
import {
  createVethPair,
  createNetns,
  deleteNetns,
  impairLink,
  labName,
  runInNetns,
  systemTool,
} from '../../src/lib/netns.js';
import { integrationTest } from '../_helpers/integration.js';
import { ROOT } from '../_helpers/cli.js';
import { makeServeRoot, type ServeRoot } from '../_helpers/serve-root.js';
import { startServeProcess, type ServeProcess } from '../_helpers/serve-process.js';

const A = labName('t', 'a');
const B = labName('t', 'b');
const SERVER = '10.99.0.1';
const NEEDS = ['ip', 'tc', 'nft', 'root'];

let root: ServeRoot | undefined;
let serve: ServeProcess | undefined;
let method = '';

type Result = { ok: boolean; sha256?: string; code?: number | null; error?: string };

/** Runs `count` concurrent downloads from namespace B through the test client. */
async function getFromB(opts: Record<string, unknown>, count = 1): Promise<Result[]> {
  const args = JSON.stringify({ host: SERVER, port: 69, count, retryMs: 300, maxRetries: 40, ...opts });
  const r = await runInNetns(
    B,
    process.execPath,
    ['--import=tsx', path.join(ROOT, 'test/_helpers/tftp-get-cli.ts'), args],
    { cwd: ROOT, timeoutMs: 300_000 },
  );
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '[]') as Result[];
}

test.before(async () => {
  if (NEEDS.some((n) => n === 'root' && process.getuid?.() !== 0)) return;
  root = await makeServeRoot();
  await createNetns(A);
  await createNetns(B);
  await createVethPair(
    { ns: A, ifname: 'lvsi-va', cidr: `${SERVER}/30` },
    { ns: B, ifname: 'lvsi-vb', cidr: '10.99.0.2/30' },
  );
  method = await impairLink(A, 'lvsi-va', { lossPercent: 5, reorderPercent: 25, delayMs: 5 });
  await impairLink(B, 'lvsi-vb', { lossPercent: 5, reorderPercent: 25, delayMs: 5 });
  serve = startServeProcess(['--root', root.root, '--bind', SERVER, '--tftp-port', '69', '--no-http'], A);
  await serve.waitFor((l) => l.event === 'listening');
});

test.after.always(async () => {
  await serve?.stop();
  await deleteNetns(A);
  await deleteNetns(B);
  await root?.remove();
});

// Lock-step waits out the server's 1 s retransmit timeout for every lost packet (~10 % of the blocks on this link):
// 600 000 B (409 blocks of 1468) take ~10 s, the 2 MiB file took 33 s for nothing more; the windowed runs take 2 MiB.
const LOSSY: [string, Record<string, unknown>][] = [
  ['lock-step, blksize 512', { file: 'small.bin', blksize: 512 }],
  ['lock-step, blksize 1468', { file: 'wrap.bin', blksize: 1468 }],
  ['windowsize 8, blksize 1468', { file: 'big.bin', blksize: 1468, windowsize: 8 }],
  ['windowsize 16, blksize 8192', { file: 'big.bin', blksize: 8192, windowsize: 16 }],
];
for (const [title, opts] of LOSSY) {
  integrationTest(`5 % loss + 25 % reordering, ${title}: the file arrives intact`, NEEDS, async (t) => {
    const [r] = await getFromB(opts);
    t.is(r?.sha256, root!.sha256(opts.file as string), JSON.stringify(r));
    t.log(`impairment: ${method}`);
  });
}

integrationTest('64 concurrent clients through the lossy link all get the file intact', NEEDS, async (t) => {
  const results = await getFromB({ file: 'small.bin', blksize: 1468, windowsize: 4 }, 64);
  t.is(results.length, 64);
  t.deepEqual(
    results.filter((r) => r.sha256 !== root!.sha256('small.bin')),
    [],
  );
});

const TRAVERSALS: [string, number[]][] = [
  ['../outside/secret.txt', [2]],
  ['pxelinux.cfg/../../outside/secret.txt', [2]],
  ['secret-link', [2]],
  ['escape/secret.txt', [2]],
  ['%2e%2e%2foutside%2fsecret.txt', [1]],
  ['/etc/passwd', [1]],
];
integrationTest('traversal attempts over the network are refused with ERROR 2 or 1', NEEDS, async (t) => {
  for (const [file, codes] of TRAVERSALS) {
    const [r] = await getFromB({ file });
    t.false(r?.ok ?? true, file);
    t.true(codes.includes(r?.code ?? -1), `${file}: ${JSON.stringify(r)}`);
  }
});

integrationTest('a flood of malformed and truncated datagrams does not crash serve', NEEDS, async (t) => {
  const flood = [
    "const d=require('node:dgram').createSocket('udp4');let n=0;",
    'const send=()=>{if(n>=2000)return d.close();const len=n%70;const b=Buffer.alloc(len);',
    'for(let i=0;i<len;i++)b[i]=(n*131+i*17)&255;if(len>=2&&n%4===0)b.writeUInt16BE(1+(n%6),0);',
    `n++;d.send(b,69,'${SERVER}',send);};send();`,
  ].join('');
  await runInNetns(B, process.execPath, ['-e', flood], { timeoutMs: 120_000 });
  t.is(serve!.child.exitCode, null);
  const [r] = await getFromB({ file: 'small.bin', blksize: 1468 });
  t.is(r?.sha256, root!.sha256('small.bin'));
});

integrationTest('the impairment really bit: serve logged retransmissions', NEEDS, async (t) => {
  const retransmits = serve!.lines.reduce(
    (n, l) => n + (typeof l.retransmits === 'number' ? l.retransmits : 0),
    0,
  );
  t.true(retransmits > 0, `impairment ${method} caused no retransmission`);
  t.log(`retransmissions across the lossy transfers: ${retransmits}`);
  const counters = (await runInNetns(A, systemTool('nft'), ['list', 'ruleset'])).stdout;
  t.log(
    counters
      .split('\n')
      .filter((l) => l.includes('counter'))
      .map((l) => l.trim())
      .join('\n'),
  );
});
