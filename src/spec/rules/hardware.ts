/** Rules on the `hardware` section and the consoles: NIC families the catalog knows, consoles the kernel has. Pure. */
import { familyOfModule, nicFamilyNames, nicSetNames } from '../../hardware/catalog.js';
import { hardwareApplies, LAST_VT, serialPortCount } from '../../hardware/selection.js';
import { DEFAULTS } from '../defaults.js';
import { problemAt, type Rule } from '../rule.js';

/** Every name in `hardware.nics` is a family (list) or a set (string) of hardware/nics.json. */
export const nicFamiliesKnown: Rule = (spec) => {
  const nics = spec.hardware?.nics;
  if (nics === undefined) return [];
  const problems =
    typeof nics === 'string'
      ? nicSetNames().includes(nics)
        ? []
        : [
            problemAt(
              '/hardware/nics',
              `"${nics}" is not a NIC set of hardware/nics.json`,
              `use one of ${nicSetNames().join(', ')}, or a list of families (${nicFamilyNames().slice(0, 3).join(', ')}, ...)`,
            ),
          ]
      : nics.flatMap((name, i) =>
          nicFamilyNames().includes(name)
            ? []
            : [
                problemAt(
                  `/hardware/nics/${i}`,
                  `"${name}" is not a NIC family of hardware/nics.json`,
                  familyOfModule(name) !== undefined
                    ? `${name} is a driver of family ${familyOfModule(name)}: write ${familyOfModule(name)}`
                    : `the families are ${nicFamilyNames().join(', ')}`,
                ),
              ],
        );
  if (problems.length === 0 && spec.hardware?.nics !== undefined && !hardwareApplies(spec.kernel.version)) {
    return [
      problemAt(
        '/hardware/nics',
        `the NIC catalog holds for kernel 6.1 and later, but kernel.version is ${spec.kernel.version}`,
        'drop hardware.nics (older kernels keep the e1000 and virtio-net of the base fragment) or pin kernel 6.1',
      ),
    ];
  }
  return problems;
};

/** `ttyS3,115200n8` → its device and options; the options part is `<baud>[parity[bits[flow]]]`. */
const CONSOLE = /^(tty(\d+)|ttyS(\d+))(,\d+([noe]([5-8]r?)?)?)?$/;

/** Every `image.console` names a console the kernel has: a virtual terminal tty0..tty63 or a UART ttyS0..ttyS<n-1>. */
export const consolesExist: Rule = (spec) => {
  const value = spec.image?.console;
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  const uarts = serialPortCount(spec.kernel.version);
  const hint = `write tty0 (the screen) or ttyS0..ttyS${uarts - 1} with an optional ,<baud>[parity][bits], e.g. ttyS1,115200n8`;
  return list.flatMap((c, i) => {
    const pointer = typeof value === 'string' ? '/image/console' : `/image/console/${i}`;
    const m = CONSOLE.exec(c);
    if (!m) return [problemAt(pointer, `"${c}" is not a console the kernel offers`, hint)];
    if (m[2] !== undefined && Number(m[2]) > LAST_VT)
      return [problemAt(pointer, `"${c}": the kernel has virtual terminals tty0..tty${LAST_VT} only`, hint)];
    if (m[3] !== undefined && Number(m[3]) >= uarts)
      return [
        problemAt(
          pointer,
          `"${c}": kernel ${spec.kernel.version} as lvs-image configures it registers ${uarts} serial ports (ttyS0..ttyS${uarts - 1})`,
          hint,
        ),
      ];
    const dup = list.indexOf(c) !== i;
    return dup ? [problemAt(pointer, `"${c}" is listed twice`, 'list each console once')] : [];
  });
};

/**
 * A `hardware.microcode` list names each CPU once, as its package files it: Intel by family and optionally model
 * (and stepping, with model), AMD by family alone from 16 (10h, the first the kernel's loader takes); and it is
 * carried only with Debian's non-free packages on a kernel the catalog holds for.
 */
export const microcodeCpusValid: Rule = (spec) => {
  const list = spec.hardware?.microcode;
  if (!Array.isArray(list)) return [];
  if (spec.hardware?.firmware === 'none')
    return [
      problemAt(
        '/hardware/microcode',
        'a CPU list with `hardware.firmware: none`, which leaves every microcode package out',
        'set hardware.firmware: nonfree, or drop hardware.microcode',
      ),
    ];
  if (!hardwareApplies(spec.kernel.version))
    return [
      problemAt(
        '/hardware/microcode',
        `early microcode is carried for kernel 6.1 and later, but kernel.version is ${spec.kernel.version}`,
        'drop hardware.microcode or pin kernel 6.1',
      ),
    ];
  const key = (c: (typeof list)[number]): string =>
    `${c.vendor}/${c.family}/${c.model ?? '*'}/${c.stepping ?? '*'}`;
  return list.flatMap((cpu, i) => {
    const at = `/hardware/microcode/${i}`;
    if (cpu.vendor === 'amd' && (cpu.model !== undefined || cpu.stepping !== undefined))
      return [
        problemAt(
          at,
          'amd64-microcode ships one file per CPU family: a model or stepping selects nothing finer',
          `drop model and stepping: { vendor: amd, family: ${cpu.family} }`,
        ),
      ];
    if (cpu.vendor === 'amd' && cpu.family < 16)
      return [
        problemAt(
          at,
          `AMD family ${cpu.family}: the kernel loads microcode for family 16 (10h) and later only`,
          'drop the entry',
        ),
      ];
    if (cpu.stepping !== undefined && cpu.model === undefined)
      return [
        problemAt(
          at,
          'a stepping without a model',
          'add the model (/proc/cpuinfo `model`), or drop stepping',
        ),
      ];
    const first = list.findIndex((c) => key(c) === key(cpu));
    return first !== i
      ? [problemAt(at, `the same CPU as /hardware/microcode/${first}`, 'list each CPU once')]
      : [];
  });
};

/** `hardware.watchdog` feeds at least twice per timeout, so one late feed on a loaded director does not reset it. */
export const watchdogFeedsInTime: Rule = (spec) => {
  const w = spec.hardware?.watchdog;
  if (w === undefined || w === false) return [];
  const timeout = w.timeout ?? DEFAULTS.watchdog.timeout;
  const interval = w.interval ?? DEFAULTS.watchdog.interval;
  if (interval * 2 <= timeout) return [];
  return [
    problemAt(
      w.interval !== undefined ? '/hardware/watchdog/interval' : '/hardware/watchdog/timeout',
      `the watchdog is fed every ${interval} s but resets the machine ${timeout} s after the last feed: one late feed would reboot the director`,
      `set interval to ${Math.floor(timeout / 2)} s or less, or timeout to ${interval * 2} s or more`,
    ),
  ];
};
