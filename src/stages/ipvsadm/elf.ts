/** Just enough ELF reading to tell a static binary from a dynamic one, and `ldd` output parsing. Pure. */

/** What the ELF program headers say about linking. */
export interface ElfLinkInfo {
  bits: 32 | 64;
  /** The PT_INTERP program interpreter (dynamic loader), absent for a static binary. */
  interpreter?: string;
  /** True when there is a PT_DYNAMIC segment (dynamic or static-pie). */
  hasDynamic: boolean;
}

const PT_DYNAMIC = 2;
const PT_INTERP = 3;

/** Reads an ELF file's program headers; null when `buf` is not ELF. Static means no `interpreter`. */
export function readElfLinkInfo(buf: Uint8Array): ElfLinkInfo | null {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) return null;
  const bits = b[4] === 2 ? 64 : 32;
  const le = b[5] === 1;
  const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const addr = (o: number): number =>
    bits === 64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(o);
  const phoff = addr(bits === 64 ? 0x20 : 0x1c);
  const phentsize = u16(bits === 64 ? 0x36 : 0x2a);
  const phnum = u16(bits === 64 ? 0x38 : 0x2c);
  const info: ElfLinkInfo = { bits, hasDynamic: false };
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + phentsize > b.length) return null;
    const type = u32(ph);
    if (type === PT_DYNAMIC) info.hasDynamic = true;
    if (type === PT_INTERP) {
      const off = addr(ph + (bits === 64 ? 0x08 : 0x04));
      const size = addr(ph + (bits === 64 ? 0x20 : 0x10));
      info.interpreter = b
        .subarray(off, off + size)
        .toString('latin1')
        .replace(/\0+$/, '');
    }
  }
  return info;
}

/** Absolute library paths from `ldd` output (the loader included, the vDSO left out). */
export function parseLddOutput(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const arrow = /=>\s+(\/\S+)\s+\(0x/.exec(line);
    const bare = /^\s*(\/\S+)\s+\(0x/.exec(line);
    const p = arrow?.[1] ?? bare?.[1];
    if (p !== undefined) out.push(p);
  }
  return [...new Set(out)].sort();
}
