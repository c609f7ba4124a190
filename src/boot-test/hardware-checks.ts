/**
 * The checks of a hardware cell over what its probes printed (src/boot-test/observe-hardware.ts): every CPU online,
 * each interface with the spec's MAC on a NIC of its model bound to the catalog's driver, the PCI order, MSI-X in
 * use, a watchdog device open. Pure.
 */
import { degradedLikeLine, parseDegradedLine, readyLikeLine } from '../runtime/console-contract.js';
import type { BootCheck } from './checks.js';
import type { HardwareCheck } from './cells.js';
import type { HardwareExpectation } from './hardware-cells.js';
import type { HardwareObservation } from './observe-hardware.js';
import { countCpuList, parseNet, parsePci } from './parse-hardware.js';

/** The spec the negative cell is run on: the reference on Debian's kernel, the image without the tulip driver. */
export const LEFT_OUT_SPEC = 'test/fixtures/hardware/left-out.yaml';

const NOT_RUN = 'not checked: the guest shell never answered (see the console log)';

const sameDriver = (a: string, b: string): boolean => a.replace(/-/g, '_') === b.replace(/-/g, '_');
const short = (bdf: string): string => bdf.replace(/^0000:/, '');

type Check = (e: HardwareExpectation, o: HardwareObservation, console: string) => BootCheck[];

function checkCpus(e: HardwareExpectation, o: HardwareObservation, console: string): BootCheck[] {
  const name = 'CPUs online';
  if (o.cpus === undefined) return [{ name, ok: false, detail: NOT_RUN }];
  const [online = '', nproc = ''] = o.cpus.trim().split('\n');
  const n = countCpuList(online);
  const ok = n === e.cpus && Number(nproc) === e.cpus;
  const limit = /NR_CPUS\/possible_cpus limit of \d+ reached/.exec(console)?.[0];
  const why = ok ? '' : limit !== undefined ? ` (kernel: "${limit}")` : '';
  return [
    { name, ok, detail: `${n} of -smp ${e.cpus} online (${online.trim()}), nproc ${nproc.trim()}${why}` },
  ];
}

function checkNics(e: HardwareExpectation, o: HardwareObservation): BootCheck[] {
  if (o.net === undefined || o.pci === undefined)
    return e.interfaces.map((i) => ({ name: `NIC ${i.name}`, ok: false, detail: NOT_RUN }));
  const nets = parseNet(o.net);
  const pci = parsePci(o.pci);
  const driven = new Set(nets.map((n) => n.bdf));
  return e.interfaces.map((want) => {
    const name = `NIC ${want.name}`;
    const model = `${want.model} ${want.pci}`;
    const seen = nets.find((n) => n.name === want.name);
    const undriven = pci.filter((p) => p.id === want.pci && !driven.has(p.bdf)).map((p) => short(p.bdf));
    if (want.leftOut === true) {
      // The negative: the image has no driver for this model, so the NIC is there and the interface is not.
      const ok = seen === undefined && undriven.length > 0;
      const detail = ok
        ? `no interface, as it must be: ${want.pci} (${want.model}) at ${undriven.join(', ')} has no driver in the image`
        : seen !== undefined
          ? `${want.name} came up on ${seen.driver}: this image drives ${want.model}; the cell needs one whose spec leaves it out (${LEFT_OUT_SPEC})`
          : `no ${want.pci} (${want.model}) device without a driver on the guest's PCI bus`;
      return { name, ok, detail };
    }
    if (seen === undefined) {
      const present = nets.map((n) => `${n.name} ${n.mac} (${n.driver})`).join(', ') || 'none';
      const lacking = undriven.length > 0 ? `; ${want.pci} at ${undriven.join(', ')} has no driver` : '';
      return {
        name,
        ok: false,
        detail: `no interface ${want.name} (want ${model}, driver ${want.drivers.join('/')}); interfaces: ${present}${lacking}`,
      };
    }
    const id = pci.find((p) => p.bdf === seen.bdf)?.id ?? '?';
    const problems = [
      ...(want.mac !== undefined && seen.mac !== want.mac.toLowerCase()
        ? [`MAC ${seen.mac}, not ${want.mac}`]
        : []),
      ...(id !== want.pci ? [`on ${id}, not the ${model}`] : []),
      ...(!want.drivers.some((d) => sameDriver(d, seen.driver))
        ? [`driver ${seen.driver}, not ${want.drivers.join('/')}`]
        : []),
    ];
    const detail = `${seen.mac} on ${short(seen.bdf)} ${id} (${want.model}), driver ${seen.driver}`;
    return {
      name,
      ok: problems.length === 0,
      detail: problems.length === 0 ? detail : `${problems.join('; ')} (${detail})`,
    };
  });
}

function checkPciOrder(e: HardwareExpectation, o: HardwareObservation): BootCheck[] {
  const name = 'PCI order';
  if (o.net === undefined) return [{ name, ok: false, detail: NOT_RUN }];
  const nets = parseNet(o.net);
  const mine = e.interfaces.map((i) => nets.find((n) => n.name === i.name));
  if (mine.some((n) => n === undefined || n.bdf === ''))
    return [{ name, ok: false, detail: 'not every interface is on a PCI device (see the NIC checks)' }];
  const seen = mine.filter((n) => n !== undefined);
  const slots = seen.map((n) => `${n.name} ${short(n.bdf)}`).join(', ');
  const byBdf = [...seen].sort((a, b) => a.bdf.localeCompare(b.bdf)).map((n) => n.name);
  const want = e.pciOrder === 'reversed' ? seen.map((n) => n.name).reverse() : seen.map((n) => n.name);
  const ok = byBdf.join() === want.join();
  const byIndex = [...seen].sort((a, b) => a.ifindex - b.ifindex).map((n) => n.name);
  const kernel = `the kernel registered ${byIndex.join(', ')} in that order (ifindex)`;
  return [
    {
      name,
      ok,
      detail: `${slots}: slots in order ${byBdf.join(', ')} (want ${want.join(', ')}); ${kernel}, /init named them by MAC`,
    },
  ];
}

function checkMsix(e: HardwareExpectation, o: HardwareObservation): BootCheck[] {
  const wanted = e.interfaces.filter((i) => i.msix);
  if (o.net === undefined || o.pci === undefined)
    return wanted.map((i) => ({ name: `MSI-X ${i.name}`, ok: false, detail: NOT_RUN }));
  const nets = parseNet(o.net);
  const pci = parsePci(o.pci);
  const lines = (o.interrupts ?? '').split('\n');
  return wanted.map((want) => {
    const name = `MSI-X ${want.name}`;
    const net = nets.find((n) => n.name === want.name);
    const bdf = net?.bdf;
    const dev = pci.find((p) => p.bdf === bdf);
    if (bdf === undefined || dev === undefined)
      return { name, ok: false, detail: `no PCI device for ${want.name}` };
    const msix = dev.msi.filter((m) => m === 'msix').length;
    // The vector names: the interface's own (e1000e: eth0-rx-0, eth0-tx-0, eth0) or its virtio device's.
    const owners = [want.name, net?.device ?? want.name];
    const irqs = lines
      .map((l) => l.trim().split(/\s+/).pop() ?? '')
      .filter((n) => owners.some((x) => n === x || n.startsWith(`${x}-`)));
    const names = irqs.length > 0 ? ` (${irqs.join(' ')})` : '';
    return msix > 0
      ? { name, ok: true, detail: `${msix} MSI-X vectors on ${short(bdf)}${names}` }
      : {
          name,
          ok: false,
          detail: `${short(bdf)} ${want.pci} uses ${dev.msi.length > 0 ? dev.msi.join(',') : 'legacy INTx'}, no MSI-X vector (a kernel without CONFIG_PCI_MSI has none)`,
        };
  });
}

function checkWatchdog(e: HardwareExpectation, o: HardwareObservation): BootCheck[] {
  const name = 'watchdog open';
  if (e.watchdog === null) return [];
  const { driver } = e.watchdog;
  if (o.watchdog === undefined) return [{ name, ok: false, detail: NOT_RUN }];
  const lines = o.watchdog.split('\n').map((l) => l.trim());
  const pick = (re: RegExp): RegExpExecArray[] =>
    lines.flatMap((l) => {
      const m = re.exec(l);
      return m !== null ? [m] : [];
    });
  // `dev watchdogN [name]`: the name when the kernel tells it (a parent device's driver; i6300ESB and softdog have none).
  const devs = new Map(pick(/^dev (watchdog\d+) ?(.*)$/).map((m) => [m[1] ?? '', m[2] ?? ''] as const));
  const bound = pick(/^bound (\S+)$/).map((m) => m[1] ?? '');
  // /dev/watchdog is the legacy node of watchdog0.
  const opens = pick(/^open (\S+) (\d+) \/dev\/(watchdog\d*)$/).map((m) => ({
    comm: m[1] ?? '',
    pid: m[2] ?? '',
    dev: m[3] === 'watchdog' ? 'watchdog0' : (m[3] ?? ''),
  }));
  const list = [...devs].map(([d, n]) => (n !== '' ? `${d} (${n})` : d)).join(', ') || 'none';
  const hardware =
    bound.length > 0 ? `${driver} bound to ${bound.map(short).join(', ')}` : `no ${driver} device`;
  const open = opens.find((x) => devs.get(x.dev) !== 'softdog');
  const ok = bound.length > 0 && open !== undefined;
  const detail = ok
    ? `${open.dev} open by ${open.comm} (pid ${open.pid}); ${hardware}; devices: ${list}`
    : bound.length === 0
      ? `${hardware} (the kernel lacks its driver); devices: ${list}${opens.length > 0 ? `, open: ${opens.map((x) => x.dev).join(', ')}` : ''}`
      : opens.length > 0
        ? `only softdog is open (${opens.map((x) => `${x.dev} by ${x.comm}`).join(', ')}), not a hardware watchdog; ${hardware}`
        : `no process holds a watchdog open (${hardware}; devices: ${list}): the image runs no feeder`;
  return [{ name, ok, detail }];
}

/** The negative: /init printed one DEGRADED line naming each interface whose NIC has no driver, and no ready line. */
function checkDegraded(e: HardwareExpectation, _o: HardwareObservation, console: string): BootCheck[] {
  const name = 'DEGRADED line';
  const degraded = parseDegradedLine(console);
  const ready = readyLikeLine(console);
  const missing = e.interfaces.filter((i) => i.leftOut === true).map((i) => `interface ${i.name}`);
  if (degraded === undefined)
    return [
      {
        name,
        ok: false,
        detail: `no \`lvs-image: DEGRADED\` line${degradedLikeLine(console) !== undefined ? ` of the contract's shape (\`${degradedLikeLine(console)}\`)` : ''}${ready !== undefined ? `; /init said \`${ready}\` though ${missing.join(', ')} never came up` : ''}`,
      },
    ];
  const absent = missing.filter((step) => !degraded.failed.includes(step));
  const problems = [
    ...(absent.length > 0 ? [`it does not name ${absent.join(', ')}`] : []),
    ...(ready !== undefined ? [`/init also said \`${ready}\``] : []),
  ];
  return [
    {
      name,
      ok: problems.length === 0,
      detail: `\`${degraded.line}\`${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`,
    },
  ];
}

const HARDWARE_CHECKS: Readonly<Record<HardwareCheck, Check | undefined>> = {
  // `boot` is the plain boot-test's BOOT_CHECKS, run by bootTest itself.
  boot: undefined,
  cpus: checkCpus,
  nics: checkNics,
  'pci-order': checkPciOrder,
  msix: checkMsix,
  watchdog: checkWatchdog,
  degraded: checkDegraded,
};

/** The verdicts of the hardware checks `e.checks` names, in that order. */
export function checkHardware(e: HardwareExpectation, o: HardwareObservation, console: string): BootCheck[] {
  return e.checks.flatMap((c) => HARDWARE_CHECKS[c]?.(e, o, console) ?? []);
}
