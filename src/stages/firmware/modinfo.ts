/**
 * The firmware files drivers declare (MODULE_FIRMWARE): in the kernel's modules.builtin.modinfo
 * (`<module>.firmware=<file>` strings, NUL-separated) and in the `.modinfo` section of a module's ELF file
 * (`firmware=<file>`), as `modinfo -F firmware` reads it. Pure.
 */
import { BuildError } from '../../lib/errors.js';

/** Firmware files by declaring module (`-` read as `_`), each list sorted and without repeats. */
export type DeclaredFirmware = Map<string, string[]>;

function add(out: DeclaredFirmware, module: string, file: string): void {
  const key = module.replace(/-/g, '_');
  const files = out.get(key) ?? [];
  if (!files.includes(file)) out.set(key, [...files, file].sort());
}

/** Every `<module>.firmware=<file>` of a modules.builtin.modinfo. */
export function parseBuiltinModinfo(bytes: Uint8Array): DeclaredFirmware {
  const out: DeclaredFirmware = new Map();
  for (const s of Buffer.from(bytes).toString('latin1').split('\0')) {
    const m = /^([^.=]+)\.firmware=(.+)$/.exec(s);
    if (m?.[1] !== undefined && m[2] !== undefined) add(out, m[1], m[2]);
  }
  return out;
}

/** The `firmware=` strings of an ELF64 module's `.modinfo` section; `where` names the file in errors. */
export function moduleFirmware(elf: Uint8Array, where: string): string[] {
  const b = Buffer.from(elf.buffer, elf.byteOffset, elf.byteLength);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1)
    throw new BuildError(`${where}: not a little-endian ELF64 kernel module`);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstrndx = b.readUInt16LE(0x3e);
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      name: b.readUInt32LE(at),
      offset: Number(b.readBigUInt64LE(at + 0x18)),
      size: Number(b.readBigUInt64LE(at + 0x20)),
    };
  };
  const names = section(shstrndx);
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const end = b.indexOf(0, names.offset + s.name);
    if (b.toString('latin1', names.offset + s.name, end) !== '.modinfo') continue;
    return b
      .toString('latin1', s.offset, s.offset + s.size)
      .split('\0')
      .filter((x) => x.startsWith('firmware='))
      .map((x) => x.slice('firmware='.length));
  }
  return [];
}
