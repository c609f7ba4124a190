// The lab's log host: receives syslog datagrams on UDP ADDRESS:PORT and appends each to FILE as one line, the
// sender's address, a space, the text (its trailing newline dropped). Usage: syslog-receiver.mjs ADDRESS PORT FILE
import { appendFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';

const [address, port, file] = process.argv.slice(2);
const socket = createSocket('udp4');
socket.on('message', (m, from) =>
  appendFileSync(file, `${from.address} ${m.toString().replace(/\n$/, '')}\n`),
);
socket.on('listening', () => console.log(`listening on UDP ${address}:${port}`));
socket.bind(Number(port), address);
