/**
 * TFTP packet codec (RFC 1350 packets, RFC 2347 OACK). Pure: bytes in, records out, and back.
 * Parsing never throws; a malformed packet parses to `{ op: 'malformed', reason }`.
 */

/** RFC 1350 error codes (section 5, appendix) plus RFC 2347's code 8. */
export const TFTP_ERROR = {
  notDefined: 0,
  fileNotFound: 1,
  accessViolation: 2,
  diskFull: 3,
  illegalOperation: 4,
  unknownTid: 5,
  fileExists: 6,
  noSuchUser: 7,
  optionRefused: 8,
} as const;

/** One TFTP error code. */
export type TftpErrorCode = (typeof TFTP_ERROR)[keyof typeof TFTP_ERROR];

/** A decoded TFTP packet. Option names are lower-cased; values are kept as sent. */
export type TftpPacket =
  | { op: 'rrq' | 'wrq'; filename: string; mode: string; options: Map<string, string> }
  | { op: 'data'; block: number; data: Buffer }
  | { op: 'ack'; block: number }
  | { op: 'error'; code: number; message: string }
  | { op: 'oack'; options: Map<string, string> }
  | { op: 'malformed'; reason: string };

const OPCODES: Record<number, 'rrq' | 'wrq' | 'data' | 'ack' | 'error' | 'oack'> = {
  1: 'rrq',
  2: 'wrq',
  3: 'data',
  4: 'ack',
  5: 'error',
  6: 'oack',
};

/** Splits NUL-terminated netascii strings; null when the last one is not terminated. */
function splitStrings(buf: Buffer, start: number): string[] | null {
  const out: string[] = [];
  let from = start;
  while (from < buf.length) {
    const nul = buf.indexOf(0, from);
    if (nul < 0) return null;
    out.push(buf.toString('latin1', from, nul));
    from = nul + 1;
  }
  return out;
}

function parseOptions(words: string[]): Map<string, string> | string {
  if (words.length % 2 !== 0) return `option "${words[words.length - 1] ?? ''}" has no value`;
  const options = new Map<string, string>();
  for (let i = 0; i < words.length; i += 2) {
    const name = (words[i] ?? '').toLowerCase();
    if (name === '') return 'empty option name';
    // RFC 2347 leaves duplicates undefined; keeping the first is what tftpd-hpa does.
    if (!options.has(name)) options.set(name, words[i + 1] ?? '');
  }
  return options;
}

function parseRequest(op: 'rrq' | 'wrq', buf: Buffer): TftpPacket {
  const words = splitStrings(buf, 2);
  if (words === null) return { op: 'malformed', reason: 'request strings are not NUL-terminated' };
  const [filename, mode, ...rest] = words;
  if (filename === undefined || mode === undefined)
    return { op: 'malformed', reason: 'request lacks filename or mode' };
  const options = parseOptions(rest);
  if (typeof options === 'string') return { op: 'malformed', reason: options };
  return { op, filename, mode: mode.toLowerCase(), options };
}

/** Decodes one datagram. */
export function parsePacket(buf: Buffer): TftpPacket {
  if (buf.length < 2) return { op: 'malformed', reason: `packet of ${buf.length} bytes is too short` };
  const op = OPCODES[buf.readUInt16BE(0)];
  switch (op) {
    case 'rrq':
    case 'wrq':
      return parseRequest(op, buf);
    case 'data':
      if (buf.length < 4) return { op: 'malformed', reason: 'DATA shorter than 4 bytes' };
      return { op, block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case 'ack':
      if (buf.length < 4) return { op: 'malformed', reason: 'ACK shorter than 4 bytes' };
      return { op, block: buf.readUInt16BE(2) };
    case 'error': {
      if (buf.length < 4) return { op: 'malformed', reason: 'ERROR shorter than 4 bytes' };
      const nul = buf.indexOf(0, 4);
      return {
        op,
        code: buf.readUInt16BE(2),
        message: buf.toString('latin1', 4, nul < 0 ? buf.length : nul),
      };
    }
    case 'oack': {
      const words = splitStrings(buf, 2);
      if (words === null) return { op: 'malformed', reason: 'OACK strings are not NUL-terminated' };
      const options = parseOptions(words);
      return typeof options === 'string' ? { op: 'malformed', reason: options } : { op, options };
    }
    default:
      return { op: 'malformed', reason: `unknown opcode ${buf.readUInt16BE(0)}` };
  }
}

function strings(op: number, words: readonly string[]): Buffer {
  const parts = words.map((w) => Buffer.from(w + '\0', 'latin1'));
  const head = Buffer.alloc(2);
  head.writeUInt16BE(op, 0);
  return Buffer.concat([head, ...parts]);
}

/** Encodes a read or write request with options in insertion order. */
export function encodeRequest(
  op: 'rrq' | 'wrq',
  filename: string,
  mode: string,
  options: ReadonlyMap<string, string> = new Map(),
): Buffer {
  return strings(op === 'rrq' ? 1 : 2, [filename, mode, ...[...options].flat()]);
}

/** Encodes an OACK carrying the accepted options. */
export function encodeOack(options: ReadonlyMap<string, string>): Buffer {
  return strings(6, [...options].flat());
}

/** Encodes an ERROR packet; the message is truncated to keep the packet under 512 bytes. */
export function encodeError(code: number, message: string): Buffer {
  const text = Buffer.from(message.slice(0, 500), 'latin1');
  const buf = Buffer.alloc(5 + text.length);
  buf.writeUInt16BE(5, 0);
  buf.writeUInt16BE(code, 2);
  text.copy(buf, 4);
  return buf;
}

/** Encodes an ACK for a (16-bit, wrapped) block number. */
export function encodeAck(block: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(4, 0);
  buf.writeUInt16BE(block & 0xffff, 2);
  return buf;
}

/** Writes a DATA header (opcode 3, wrapped block number) into `buf` at `offset`. */
export function writeDataHeader(buf: Buffer, offset: number, block: number): void {
  buf.writeUInt16BE(3, offset);
  buf.writeUInt16BE(block & 0xffff, offset + 2);
}
