/**
 * A minimal little-endian ELF64 relocatable file with a `.modinfo` section holding `strings` (NUL-separated), as
 * a kernel module carries them: enough for the firmware stage's reader without a compiler.
 */
export function makeModuleElf(strings: readonly string[]): Buffer {
  const modinfo = Buffer.from(strings.map((s) => `${s}\0`).join(''));
  const shstrtab = Buffer.from('\0.modinfo\0.shstrtab\0');
  const dataStart = 64;
  const shoff = dataStart + modinfo.length + shstrtab.length;
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header[4] = 2; // ELFCLASS64
  header[5] = 1; // little-endian
  header[6] = 1;
  header.writeUInt16LE(1, 0x10); // ET_REL
  header.writeUInt16LE(62, 0x12); // EM_X86_64
  header.writeBigUInt64LE(BigInt(shoff), 0x28);
  header.writeUInt16LE(64, 0x34);
  header.writeUInt16LE(64, 0x3a);
  header.writeUInt16LE(3, 0x3c);
  header.writeUInt16LE(2, 0x3e);
  const section = (name: number, type: number, offset: number, size: number): Buffer => {
    const s = Buffer.alloc(64);
    s.writeUInt32LE(name, 0);
    s.writeUInt32LE(type, 4);
    s.writeBigUInt64LE(BigInt(offset), 0x18);
    s.writeBigUInt64LE(BigInt(size), 0x20);
    return s;
  };
  return Buffer.concat([
    header,
    modinfo,
    shstrtab,
    section(0, 0, 0, 0),
    section(1, 1, dataStart, modinfo.length),
    section(10, 3, dataStart + modinfo.length, shstrtab.length),
  ]);
}
