// A TCP connect scan of ADDRESS, ports 1-65535, 256 at a time, 1.5 s per port; prints the open ports as a JSON
// array. Usage: tcp-scan.mjs ADDRESS [FIRST LAST]
import { connect } from 'node:net';

const [address, first = '1', last = '65535'] = process.argv.slice(2);
const open = [];
let next = Number(first);
let active = 0;
const one = () => {
  if (next > Number(last)) {
    if (active === 0) process.stdout.write(JSON.stringify(open.sort((a, b) => a - b)));
    return;
  }
  const port = next++;
  active++;
  const s = connect({ host: address, port, timeout: 1500 });
  const end = (isOpen) => {
    if (isOpen) open.push(port);
    s.destroy();
    active--;
    one();
  };
  s.once('connect', () => end(true));
  s.once('error', () => end(false));
  s.once('timeout', () => end(false));
};
for (let i = 0; i < 256; i++) one();
