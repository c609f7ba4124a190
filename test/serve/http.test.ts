import test from 'ava';
import http from 'node:http';
import { parseRange, startHttpServer, type HttpEvent } from '../../src/serve/http.js';
import { eventSoon } from '../_helpers/events.js';
import { makeServeRoot } from '../_helpers/serve-root.js';

const ranges: [string | undefined, unknown][] = [
  [undefined, { kind: 'all' }],
  ['bytes=0-9', { kind: 'range', start: 0, end: 9 }],
  ['bytes=90-', { kind: 'range', start: 90, end: 99 }],
  ['bytes=-10', { kind: 'range', start: 90, end: 99 }],
  ['bytes=-1000', { kind: 'range', start: 0, end: 99 }],
  ['bytes=50-5000', { kind: 'range', start: 50, end: 99 }],
  ['bytes=100-', { kind: 'unsatisfiable' }],
  ['bytes=9-3', { kind: 'unsatisfiable' }],
  ['bytes=-0', { kind: 'unsatisfiable' }],
  ['bytes=0-1,5-6', { kind: 'all' }],
  ['items=0-1', { kind: 'all' }],
];
for (const [header, want] of ranges) {
  test(`parseRange(${String(header)}) of 100 bytes`, (t) => {
    t.deepEqual(parseRange(header, 100), want);
  });
}

function request(
  port: number,
  method: string,
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: url, headers, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

test('GET, HEAD, Range, 416, 404, 403 and 405 over the served root', async (t) => {
  const r = await makeServeRoot(1024);
  const events: HttpEvent[] = [];
  const server = await startHttpServer({
    root: r.root,
    address: '127.0.0.1',
    port: 0,
    onEvent: (e) => events.push(e),
  });
  t.teardown(async () => {
    await server.close();
    await r.remove();
  });
  const small = r.files['small.bin']!;
  const get = await request(server.port, 'GET', '/small.bin');
  t.is(get.status, 200);
  t.is(get.headers['content-length'], String(small.length));
  t.true(get.body.equals(small));
  const head = await request(server.port, 'HEAD', '/small.bin');
  t.is(head.status, 200);
  t.is(head.headers['content-length'], String(small.length));
  t.is(head.body.length, 0);
  const part = await request(server.port, 'GET', '/small.bin', { range: 'bytes=1000-1999' });
  t.is(part.status, 206);
  t.is(part.headers['content-range'], `bytes 1000-1999/${small.length}`);
  t.true(part.body.equals(small.subarray(1000, 2000)));
  const beyond = await request(server.port, 'GET', '/small.bin', { range: 'bytes=999999-' });
  t.is(beyond.status, 416);
  t.is(beyond.headers['content-range'], `bytes */${small.length}`);
  t.is((await request(server.port, 'GET', '/pxelinux.cfg/default')).body.toString(), 'DEFAULT director\n');
  t.is((await request(server.port, 'GET', '/nope')).status, 404);
  t.is((await request(server.port, 'GET', '/')).status, 403);
  t.is((await request(server.port, 'GET', '/%2e%2e/outside/secret.txt')).status, 403);
  t.is((await request(server.port, 'GET', '/secret-link')).status, 403);
  t.is((await request(server.port, 'GET', '/escape/secret.txt')).status, 403);
  t.is((await request(server.port, 'GET', '/%zz')).status, 400);
  t.is((await request(server.port, 'PUT', '/small.bin')).status, 405);
  t.truthy(await eventSoon(events, (e) => e.ok && e.status === 200 && e.bytes === small.length));
});
