/** The human form of `lvs-image hardware`: what the image carries, and the device table of an lspci dump. Pure. */
import { cpuName } from '../stages/firmware/microcode.js';
import type { DumpNote } from './dump-notes.js';
import type { ImageDriverRow, ImageHardware } from './image-hardware.js';
import type { Carried, NicMatch, NicStatus } from './match.js';

const CARRIED: Record<Carried, string> = { 'built-in': 'built in', module: 'module', absent: 'not in image' };
const STATUS: Record<NicStatus, string> = {
  driven: 'driven',
  degraded: 'degraded',
  down: 'DOWN',
  'not-carried': 'NO DRIVER',
  unknown: 'UNKNOWN',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Pads the columns of rows (the last column is left as it is). */
function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function firmwareCell(d: ImageDriverRow, hw: ImageHardware): string {
  if (d.firmware.length === 0) return 'none needed';
  const files = `${d.firmware.length} file${d.firmware.length === 1 ? '' : 's'} (${d.firmwarePackage ?? 'no package'})`;
  if (d.carried === 'absent') return files;
  if (hw.firmware === 'nonfree') return `${files} in the image`;
  return `${files} LEFT OUT: ${d.withoutFirmware === 'down' ? 'link cannot come up' : 'may degrade'}`;
}

/** `all CPUs`, `none`, or the listed CPUs. */
function microcodeText(m: ImageHardware['microcode']): string {
  return m === 'all' ? 'all CPUs' : m === 'none' ? 'none' : m.map(cpuName).join(', ');
}

/** What the image carries: the NIC drivers by family, their firmware, the platform options, each with its reason. */
export function renderImageHardware(file: string, hw: ImageHardware): string {
  const k = hw.kernel;
  const nics = typeof hw.nics === 'string' ? `set ${hw.nics}` : hw.nics.join(', ');
  const selection = hw.catalogApplies
    ? `hardware.nics ${nics} (${hw.families.length} families)`
    : 'before 6.1, so the NICs of the base fragment (hardware.nics holds from 6.1 on)';
  const out = [
    `${file}: kernel ${k.version} (${k.prebuilt ? 'prebuilt' : `profile ${k.profile}`}), ${selection}, firmware ${hw.firmware}, microcode ${microcodeText(hw.microcode)}`,
    '',
    'NIC drivers',
    ...table([
      ['  family', 'module', 'in image', 'firmware', 'why'],
      ...hw.drivers.map((d) => [
        `  ${d.family}`,
        d.module,
        CARRIED[d.carried],
        firmwareCell(d, hw),
        d.carried === 'absent'
          ? d.selected
            ? 'selected, but the kernel lacks it'
            : 'not selected'
          : d.reason,
      ]),
    ]),
    '',
  ];
  if (hw.platform === null) {
    out.push(
      hw.catalogApplies
        ? "Platform options: those of the prebuilt kernel's own configuration (not checked here)"
        : 'Platform options (hardware/platform.json): none, they are for kernel 6.1 and later',
    );
    return out.join('\n') + '\n';
  }
  const width = Math.max(...hw.platform.map((p) => p.group.length));
  out.push('Platform options (hardware/platform.json)');
  for (const p of hw.platform) {
    const lines = p.symbols.map((s) =>
      s.have === s.want ? `${s.symbol}=${s.want}` : `${s.symbol}=${s.have ?? '(unset)'} (wants ${s.want})`,
    );
    out.push(
      `  ${p.group.padEnd(width)}  ${p.carried ? 'in the kernel' : 'NOT all in the kernel'}: ${lines.join(' ')}`,
      `  ${''.padEnd(width)}  ${p.reason}`,
    );
  }
  return out.join('\n') + '\n';
}

function driverCell(m: NicMatch): string {
  if (!m.driver) return '-';
  const others = m.candidates.filter((c) => c !== m.driver).map((c) => c.module);
  const via = m.driver.via !== undefined ? ` via ${m.driver.via}` : '';
  const key = (module: string): string => module.replace(/-/g, '_');
  // lspci -k: say so when the machine's own kernel bound another driver
  const used =
    m.driverInUse !== undefined && key(m.driverInUse) !== key(m.driver.module)
      ? ` [the machine uses ${m.driverInUse}]`
      : '';
  return `${m.driver.module}${via} (${m.driver.family}, ${CARRIED[m.driver.carried]})${others.length > 0 ? ` or ${others.join(', ')}` : ''}${used}`;
}

/** The device table of an lspci dump: each network controller, its driver, what the image does, then the fixes. */
export function renderNicTable(
  file: string,
  devices: number,
  matches: NicMatch[],
  notes: DumpNote[],
): string {
  const driven = matches.filter((m) => m.status === 'driven' || m.status === 'degraded').length;
  const out = [
    `${file}: ${plural(devices, 'PCI function')}, ${plural(matches.length, 'network controller')}, ${driven} of them driven by the image`,
  ];
  if (matches.length > 0)
    out.push(
      ...table([
        ['  slot', 'id', 'device', 'driver', 'status'],
        ...matches.map((m) => [`  ${m.slot}`, m.pciId, m.name, driverCell(m), STATUS[m.status]]),
      ]),
    );
  // one fix line per distinct fix, with the slots it is for
  const fixes = new Map<string, string[]>();
  for (const m of matches) for (const f of m.fixes) fixes.set(f, [...(fixes.get(f) ?? []), m.slot]);
  for (const n of notes) if (n.fix !== undefined) fixes.set(n.fix, fixes.get(n.fix) ?? []);
  if (notes.length > 0) out.push('', 'Notes', ...notes.map((n) => `  ${n.note}`));
  if (fixes.size > 0)
    out.push(
      '',
      'Fixes',
      ...[...fixes].map(([f, slots]) => `  ${slots.length > 0 ? `${slots.join(', ')}: ` : ''}${f}`),
    );
  return out.join('\n') + '\n';
}
