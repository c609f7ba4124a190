/**
 * TFTP option negotiation, pure: blksize (RFC 2348), tsize and timeout (RFC 2349), windowsize (RFC 7440).
 * Unknown options are left out of the OACK (RFC 2347); a known option with an unusable value is refused
 * with ERROR 8, naming the option, so a broken client learns why instead of silently getting 512-byte blocks.
 */

/** Limits the server applies while negotiating. */
export interface TftpLimits {
  /** Largest block size granted (RFC 2348 allows 8..65464). */
  maxBlksize: number;
  /** Largest window granted (RFC 7440 allows 1..65535). */
  maxWindowsize: number;
}

/** Default limits: the RFC maximum block size, and windows up to 64 blocks. */
export const DEFAULT_TFTP_LIMITS: TftpLimits = { maxBlksize: 65464, maxWindowsize: 64 };

/** What a transfer runs with once negotiation is over. */
export interface TransferParams {
  blksize: number;
  windowsize: number;
  /** Retransmission ceiling from the client's `timeout` option, milliseconds; undefined when not asked. */
  timeoutMs: number | undefined;
  /** Options to echo in an OACK, in the order the client sent them; empty means "no OACK, start with DATA 1". */
  oack: Map<string, string>;
}

/** Result of negotiation: parameters, or the reason for ERROR 8. */
export type Negotiation = { ok: true; params: TransferParams } | { ok: false; message: string };

type OptionRule = (
  value: string,
  fileSize: number,
  limits: TftpLimits,
) => { set: Partial<TransferParams>; reply: string } | string;

function integer(value: string, min: number, max: number): number | null {
  if (!/^\d{1,6}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

/** One rule per supported option: parse, clamp, and say what to echo. */
const OPTION_RULES: Record<string, OptionRule> = {
  blksize: (value, _size, limits) => {
    const n = integer(value, 8, 65464);
    if (n === null) return `blksize "${value}" is not an integer in 8..65464 (RFC 2348)`;
    const blksize = Math.min(n, limits.maxBlksize);
    return { set: { blksize }, reply: String(blksize) };
  },
  windowsize: (value, _size, limits) => {
    const n = integer(value, 1, 65535);
    if (n === null) return `windowsize "${value}" is not an integer in 1..65535 (RFC 7440)`;
    const windowsize = Math.min(n, limits.maxWindowsize);
    return { set: { windowsize }, reply: String(windowsize) };
  },
  timeout: (value) => {
    const n = integer(value, 1, 255);
    if (n === null) return `timeout "${value}" is not an integer in 1..255 seconds (RFC 2349)`;
    return { set: { timeoutMs: n * 1000 }, reply: String(n) };
  },
  // RFC 2349: a read request carries tsize 0 and the server answers with the file's size.
  tsize: (value, size) => {
    if (!/^\d+$/.test(value)) return `tsize "${value}" is not a number (RFC 2349)`;
    return { set: {}, reply: String(size) };
  },
};

/** Negotiates a read request's options against a file of `fileSize` bytes. */
export function negotiateOptions(
  requested: ReadonlyMap<string, string>,
  fileSize: number,
  limits: TftpLimits = DEFAULT_TFTP_LIMITS,
): Negotiation {
  const params: TransferParams = { blksize: 512, windowsize: 1, timeoutMs: undefined, oack: new Map() };
  for (const [name, value] of requested) {
    const rule = OPTION_RULES[name];
    if (rule === undefined) continue;
    const outcome = rule(value, fileSize, limits);
    if (typeof outcome === 'string') return { ok: false, message: outcome };
    Object.assign(params, outcome.set);
    params.oack.set(name, outcome.reply);
  }
  return { ok: true, params };
}
