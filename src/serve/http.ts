/**
 * A read-only HTTP server over the served root, for iPXE: GET and HEAD, a single `Range` (206 / 416),
 * Content-Length always, no listings. Names are confined exactly as for TFTP (see root-path.ts), after
 * percent-decoding, so `%2e%2e/` is refused like `../`.
 */
import { createReadStream } from 'node:fs';
import http from 'node:http';
import { realpath } from 'node:fs/promises';
import { BuildError } from '../lib/errors.js';
import { resolveInRoot } from './root-path.js';

/** One finished HTTP request, for the transfer log. */
export interface HttpEvent {
  protocol: 'http';
  client: string;
  file: string;
  ok: boolean;
  status: number;
  bytes: number;
  durationMs: number;
  error?: string;
}

/** A byte range to send, inclusive, or why none can be. */
export type RangeResult =
  { kind: 'all' } | { kind: 'range'; start: number; end: number } | { kind: 'unsatisfiable' };

/** Parses a `Range` header against a file size (pure). Multiple ranges are answered with the whole file. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'all' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null || (m[1] === '' && m[2] === '')) return { kind: 'all' }; // RFC 9110: ignore what we don't understand
  const [first, last] = [m[1] ?? '', m[2] ?? ''];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'range', start, end };
}

/** A running HTTP server. */
export interface HttpServer {
  port: number;
  close(): Promise<void>;
}

function decodeName(url: string): string | null {
  try {
    return decodeURIComponent((url.split('?')[0] ?? '').split('#')[0] ?? '');
  } catch {
    return null;
  }
}

/** Starts the HTTP server; throws BuildError when the port cannot be bound. */
export async function startHttpServer(opts: {
  root: string;
  address: string;
  port: number;
  onEvent?: (e: HttpEvent) => void;
}): Promise<HttpServer> {
  const root = await realpath(opts.root);
  const emit = opts.onEvent ?? (() => undefined);
  const server = http.createServer((req, res) => {
    const started = performance.now();
    const client = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? 0}`;
    const url = req.url ?? '/';
    const done = (status: number, bytes: number, error?: string): void => {
      const event: HttpEvent = {
        protocol: 'http',
        client,
        file: url,
        ok: status < 400,
        status,
        bytes,
        durationMs: performance.now() - started,
      };
      if (error !== undefined) event.error = error;
      emit(event);
    };
    const fail = (status: number, message: string): void => {
      res.writeHead(status, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(message + '\n'),
      });
      res.end(req.method === 'HEAD' ? undefined : message + '\n');
      done(status, 0, message);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(405, `method ${req.method ?? '?'} not allowed; this server is read-only`);
    }
    const name = decodeName(url);
    if (name === null) return fail(400, `bad percent-encoding in ${url}`);
    void resolveInRoot(root, name).then((found) => {
      if (!found.ok) return fail(found.refusal.kind === 'not-found' ? 404 : 403, found.refusal.message);
      const { file, size, mtimeMs } = found.file;
      const range = parseRange(req.headers.range, size);
      const common = {
        'accept-ranges': 'bytes',
        'content-type': 'application/octet-stream',
        'last-modified': new Date(mtimeMs).toUTCString(),
      };
      if (range.kind === 'unsatisfiable') {
        res.writeHead(416, { ...common, 'content-range': `bytes */${size}`, 'content-length': 0 });
        res.end();
        return done(416, 0, `range ${req.headers.range ?? ''} outside ${size} bytes`);
      }
      const [start, end] = range.kind === 'range' ? [range.start, range.end] : [0, size - 1];
      const length = size === 0 ? 0 : end - start + 1;
      const status = range.kind === 'range' ? 206 : 200;
      res.writeHead(status, {
        ...common,
        'content-length': length,
        ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      if (req.method === 'HEAD' || length === 0) {
        res.end();
        return done(status, 0);
      }
      const stream = createReadStream(file, { start, end, highWaterMark: 1 << 20 });
      stream.on('error', (err) => {
        res.destroy(err);
        done(500, 0, err.message);
      });
      res.on('finish', () => done(status, length));
      res.on('close', () => stream.destroy());
      stream.pipe(res);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new BuildError(`cannot bind HTTP to ${opts.address}:${opts.port}: ${err.code ?? err.message}`, {
          hint: 'pick another --http-port, or --no-http; ports below 1024 need root',
        }),
      ),
    );
    server.listen({ host: opts.address, port: opts.port, exclusive: true }, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : opts.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
