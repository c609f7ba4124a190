// A lab real server's HTTP server: `/` answers BODY (or, with --status N, HTTP N and "broken": an application that
// fails behind a live port); `/stream?chunks=N` sends "BODY i" lines 100 ms apart (a long-lived connection for the
// failover lab). Prints "listening" once bound. Usage: http-server.mjs ADDRESS PORT BODY [--status N]
import { createServer } from 'node:http';

const [address, port, body, flag, status] = process.argv.slice(2);
const failing = flag === '--status' ? Number(status) : undefined;
createServer((q, s) => {
  if (failing !== undefined) {
    s.statusCode = failing;
    return s.end('broken\n');
  }
  const u = new URL(q.url ?? '/', 'http://lab');
  if (u.pathname !== '/stream') return s.end(`${body}\n`);
  const n = Math.min(Number(u.searchParams.get('chunks') ?? '50'), 6000);
  let i = 0;
  s.writeHead(200, { 'content-type': 'text/plain' });
  const t = setInterval(() => {
    s.write(`${body} ${i}\n`);
    if (++i >= n) {
      clearInterval(t);
      s.end();
    }
  }, 100);
  s.on('close', () => clearInterval(t));
}).listen(Number(port), address, () => console.log(`listening on ${address}:${port}`));
