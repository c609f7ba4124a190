import test from 'ava';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseServeFlags, type ServeFlags } from '../../src/commands/serve.js';
import { SpecError } from '../../src/lib/errors.js';
import { ROOT } from '../_helpers/cli.js';
import { makeServeRoot } from '../_helpers/serve-root.js';
import { tftpGet } from '../_helpers/tftp-client.js';

const base: ServeFlags = {
  bind: '0.0.0.0',
  tftpPort: '69',
  httpPort: '80',
  http: true,
  dhcp: 'off',
  biosLoader: 'ipxe',
  uefiLoader: 'ipxe',
};

test('defaults: every address, TFTP 69, HTTP 80, no DHCP', (t) => {
  t.deepEqual(parseServeFlags({ ...base, root: '/srv' }, undefined), {
    root: '/srv',
    bind: '0.0.0.0',
    tftpPort: 69,
    httpPort: 80,
    dhcp: 'off',
    biosLoader: 'ipxe',
    uefiLoader: 'ipxe',
  });
});

test('--no-http leaves HTTP out; SPEC gives the root', (t) => {
  const o = parseServeFlags({ ...base, http: false }, 'out/site');
  t.is(o.root, 'out/site');
  t.is(o.httpPort, undefined);
});

test('--dhcp full with --range', (t) => {
  t.deepEqual(
    parseServeFlags(
      { ...base, root: '/r', dhcp: 'full', range: '10.0.0.10,10.0.0.20', interface: 'br0' },
      undefined,
    ).range,
    ['10.0.0.10', '10.0.0.20'],
  );
});

test('every bad flag is reported at once', (t) => {
  const err = t.throws(
    () =>
      parseServeFlags(
        {
          ...base,
          bind: 'localhost',
          tftpPort: '70000',
          httpPort: 'x',
          dhcp: 'full',
          biosLoader: 'grub',
          uefiLoader: 'pxelinux',
        },
        undefined,
      ),
    { instanceOf: SpecError },
  );
  t.deepEqual(
    err?.problems.map((p) => p.message),
    [
      'nothing to serve',
      '--bind localhost: not an IPv4 address',
      '--tftp-port 70000: not a port number 0..65535',
      '--http-port x: not a port number 0..65535',
      '--dhcp full needs --range FIRST,LAST',
      '--bios-loader grub: must be ipxe or pxelinux',
      '--uefi-loader pxelinux: must be ipxe or grub',
    ],
  );
  t.throws(() => parseServeFlags({ ...base, root: '/r', range: '1.2.3.4,1.2.3.5' }, undefined), {
    message: /--range only applies/,
  });
  t.throws(() => parseServeFlags({ ...base, root: '/r', dhcp: 'maybe' }, undefined), {
    message: /off, proxy or full/,
  });
});

test('--ipv6-ra needs DHCP and an interface, whose prefix dnsmasq advertises', (t) => {
  const full = { ...base, root: '/r', dhcp: 'full', range: '10.0.0.10,10.0.0.20' };
  t.throws(() => parseServeFlags({ ...full, ipv6Ra: true }, undefined), {
    message: /--ipv6-ra needs --dhcp proxy\|full and --interface/,
  });
  t.throws(() => parseServeFlags({ ...base, root: '/r', interface: 'br0', ipv6Ra: true }, undefined), {
    message: /--ipv6-ra needs/,
  });
  t.is(parseServeFlags({ ...full, interface: 'br0', ipv6Ra: true }, undefined).routerAdvert, true);
  t.is(parseServeFlags({ ...full, interface: 'br0' }, undefined).routerAdvert, undefined);
});

test('lvs-image serve serves until SIGTERM, logs each transfer as JSON, then exits 0', async (t) => {
  const r = await makeServeRoot(1024);
  t.teardown(() => r.remove());
  const child = spawn(
    process.execPath,
    [
      '--import=tsx',
      path.join(ROOT, 'src/cli.ts'),
      '--json',
      'serve',
      '--root',
      r.root,
      '--bind',
      '127.0.0.1',
      '--tftp-port',
      '0',
      '--http-port',
      '0',
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  t.teardown(() => {
    clearTimeout(killer);
    child.kill('SIGKILL');
  });
  let stderr = '';
  const lines: Record<string, unknown>[] = [];
  let notify: () => void = () => undefined;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    const all = stderr.split('\n');
    stderr = all.pop() ?? '';
    for (const l of all) lines.push(JSON.parse(l) as Record<string, unknown>);
    notify();
  });
  const waitFor = (pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = lines.find(pred);
        if (hit) resolve(hit);
        else if (child.exitCode !== null) reject(new Error(`serve exited: ${JSON.stringify(lines)}`));
      };
      notify = check;
      check();
    });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const listening = await waitFor((l) => l.event === 'listening');
  const got = await tftpGet({ port: listening.tftpPort as number, file: 'small.bin', blksize: 1468 });
  t.true(got.data.equals(r.files['small.bin']!));
  const logged = await waitFor((l) => l.protocol === 'tftp' && l.file === 'small.bin');
  t.like(logged, { ok: true, bytes: 100_000, blksize: 1468 });
  t.is(typeof logged.rateMBps, 'number');
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.like(lines.at(-1), { event: 'stopped', signal: 'SIGTERM' });
});
