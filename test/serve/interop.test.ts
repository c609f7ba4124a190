/**
 * Interop with real, packaged TFTP clients: tftp-hpa (RFC 1350 only: 512-byte blocks, octet and netascii),
 * atftp (blksize and RFC 7440 windowsize) and curl's tftp:// (blksize). Files must arrive byte-identical.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { run } from '../../src/lib/exec.js';
import { sha256File } from '../../src/lib/fs.js';
import { startTftpServer, type TftpEvent, type TftpServer } from '../../src/serve/tftp-server.js';
import { eventSoon } from '../_helpers/events.js';
import { integrationTest } from '../_helpers/integration.js';
import { makeServeRoot, type ServeRoot } from '../_helpers/serve-root.js';

let root: ServeRoot;
let server: TftpServer;
let outDir: string;
const events: TftpEvent[] = [];

test.before(async () => {
  root = await makeServeRoot();
  outDir = await mkdtemp(path.join(tmpdir(), 'lvsi-interop-'));
  server = await startTftpServer({
    root: root.root,
    address: '127.0.0.1',
    port: 0,
    onEvent: (e) => events.push(e),
  });
});
test.after.always(async () => {
  await server?.close();
  await root?.remove();
  await rm(outDir, { recursive: true, force: true });
});

type Client = (file: string, local: string, blksize: number, windowsize: number) => [string, string[]];

const CLIENTS: Record<string, Client> = {
  'tftp-hpa': (file, local) => [
    'tftp',
    ['127.0.0.1', String(server.port), '-m', 'binary', '-c', 'get', file, local],
  ],
  atftp: (file, local, blksize, windowsize) => [
    'atftp',
    [
      '--option',
      `blksize ${blksize}`,
      ...(windowsize > 1 ? ['--option', `windowsize ${windowsize}`] : []),
      '-g',
      '-r',
      file,
      '-l',
      local,
      '127.0.0.1',
      String(server.port),
    ],
  ],
  curl: (file, local, blksize) => [
    'curl',
    [
      '-sS',
      '--max-time',
      '60',
      '--tftp-blksize',
      String(blksize),
      '-o',
      local,
      `tftp://127.0.0.1:${server.port}/${file}`,
    ],
  ],
};

const CASES: [keyof typeof CLIENTS, number, number][] = [
  ['tftp-hpa', 512, 1],
  ['atftp', 512, 1],
  ['atftp', 1468, 1],
  ['atftp', 8192, 1],
  ['atftp', 1468, 4],
  ['atftp', 1468, 16],
  ['atftp', 8192, 16],
  ['curl', 512, 1],
  ['curl', 1468, 1],
  ['curl', 8192, 1],
];

for (const [client, blksize, windowsize] of CASES) {
  const tool = client === 'tftp-hpa' ? 'tftp' : client;
  integrationTest(
    `${client} gets big.bin byte-identical at blksize ${blksize}, windowsize ${windowsize}`,
    [tool],
    async (t) => {
      const local = path.join(outDir, `${client}-${blksize}-${windowsize}.bin`);
      const [file, args] = CLIENTS[client]!('big.bin', local, blksize, windowsize);
      await run(file, args, { timeoutMs: 120_000 });
      t.is(await sha256File(local), root.sha256('big.bin'));
      const logged = await eventSoon(
        events,
        (e) => e.ok && e.file === 'big.bin' && e.blksize === blksize && e.windowsize === windowsize,
      );
      const seen = events.filter((e) => e.file === 'big.bin').map((e) => JSON.stringify(e));
      t.truthy(
        logged,
        `no transfer logged with blksize ${blksize} windowsize ${windowsize}; logged: ${seen.join(' ')}`,
      );
    },
  );
}

integrationTest(
  'tftp-hpa in netascii mode gets text.txt back unchanged (LF/CR translated both ways)',
  ['tftp'],
  async (t) => {
    const local = path.join(outDir, 'text.txt');
    await run('tftp', ['127.0.0.1', String(server.port), '-m', 'netascii', '-c', 'get', 'text.txt', local], {
      timeoutMs: 60_000,
    });
    t.is(await sha256File(local), root.sha256('text.txt'));
  },
);

integrationTest('pxelinux-style per-MAC and default lookups are plain files', ['tftp'], async (t) => {
  const local = path.join(outDir, 'mac.cfg');
  await run(...CLIENTS['tftp-hpa']!('pxelinux.cfg/01-52-54-00-12-34-56', local, 512, 1), {
    timeoutMs: 60_000,
  });
  t.is(await sha256File(local), root.sha256('pxelinux.cfg/01-52-54-00-12-34-56'));
  const missing = await run(...CLIENTS['tftp-hpa']!('pxelinux.cfg/C0A8', path.join(outDir, 'x'), 512, 1), {
    timeoutMs: 60_000,
    reject: false,
  });
  t.regex(missing.stdout + missing.stderr, /Error code 1/);
});

integrationTest('curl and atftp see the refusal of a traversal', ['curl'], async (t) => {
  const r = await run(
    'curl',
    [
      '-sS',
      '--max-time',
      '30',
      '-o',
      path.join(outDir, 'x'),
      `tftp://127.0.0.1:${server.port}/../outside/secret.txt`,
    ],
    { reject: false, timeoutMs: 60_000 },
  );
  t.not(r.exitCode, 0);
  t.truthy(await eventSoon(events, (e) => e.code !== undefined && e.code <= 2 && e.file.includes('secret')));
});
