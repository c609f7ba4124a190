import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpecError } from '../../src/lib/errors.js';
import { parseKconfig } from '../../src/lib/kconfig.js';
import { PROGRAMS as OPTIONAL_PROGRAMS } from '../../src/packages/programs.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec } from '../../src/spec/types.js';
import { generateKernelFragment } from '../../src/stages/kernel-config.js';
import { symbolExists } from '../../src/stages/kernel/catalog.js';
import { runCli } from '../_helpers/cli.js';
import { makeSpec } from '../_helpers/make-spec.js';

const GOLDEN = 'test/fixtures/golden/kernel';

function golden(t: import('ava').ExecutionContext, name: string, text: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  t.is(
    text,
    readFileSync(file, 'utf8'),
    `run UPDATE_GOLDEN=1 npx ava test/stages/kernel-config.test.ts and review ${file}`,
  );
}

/** A minimal-profile spec that uses more features: fwmark with a mark rule, udp + SIP persistence, ipip, wrr. */
function minimalSpec(): Spec {
  const spec = makeSpec({
    kernel: { profile: 'minimal', options: 'module' },
    image: { compression: 'zstd' },
  });
  const d = spec.directors[0]!;
  d.services.push(
    {
      protocol: 'udp',
      vip: '10.10.31.100',
      port: 5060,
      scheduler: 'wrr',
      persistenceEngine: 'sip',
      persistence: { timeout: 60 },
      realServers: [{ server: 'w101', forwarding: 'gate' }],
    },
    { protocol: 'fwmark', fwmark: 1, scheduler: 'rr', realServers: [{ server: 'w102', forwarding: 'ipip' }] },
  );
  d.netfilter = { marks: [{ mark: 1, protocol: 'tcp', destination: '10.10.31.100', ports: [443] }] };
  return spec;
}

test('golden: images/dsas-lv1.yaml (6.1, full, builtin)', async (t) => {
  const { spec } = await loadSpec('images/dsas-lv1.yaml');
  const f = generateKernelFragment(spec);
  t.is(f.era, '6.x');
  golden(t, 'dsas-lv1.config', f.text);
});

test('golden: images/dsas-2006.yaml (2.6.16.27, full, module)', async (t) => {
  const { spec } = await loadSpec('images/dsas-2006.yaml');
  const f = generateKernelFragment(spec);
  t.is(f.era, '2.6.16');
  golden(t, 'dsas-2006.config', f.text);
});

test('golden: a minimal-profile spec (6.1, module)', (t) => {
  golden(t, 'minimal-6.1.config', generateKernelFragment(minimalSpec()).text);
});

test('the 2.6.16 fragment uses only symbols that exist in 2.6.16, with the old conntrack names', async (t) => {
  const { spec } = await loadSpec('images/dsas-2006.yaml');
  const f = generateKernelFragment(spec);
  const menus = JSON.parse(readFileSync('kernel-config/linux-2.6.16/menus.json', 'utf8')) as {
    symbols: Record<string, unknown>;
  };
  const base = JSON.parse(readFileSync('kernel-config/base/director.json', 'utf8')) as {
    lines: { symbol: string; since: string }[];
  };
  // Profile full also brings what keepalived and dropbear need (src/packages/*.json), where the kernel has it.
  const programSymbols = OPTIONAL_PROGRAMS.flatMap((p) =>
    p.catalog.releases.flatMap((r) => r.kernelOptions.map((o) => o.symbol)),
  );
  const baseSymbols = new Set([...base.lines.map((l) => l.symbol), ...programSymbols]);
  for (const l of f.lines) {
    t.true(symbolExists('2.6.16.27', l.symbol), `${l.symbol} is catalogued as absent from 2.6.16`);
    t.true(
      menus.symbols[l.symbol] !== undefined || baseSymbols.has(l.symbol),
      `${l.symbol} is neither in the 2.6.16 menus nor in the base`,
    );
  }
  const symbols = f.lines.map((l) => l.symbol);
  t.true(symbols.includes('IP_NF_CONNTRACK'));
  for (const modern of [
    'NF_CONNTRACK',
    'IP_VS_IPV6',
    'IP_VS_PROTO_SCTP',
    'DEVTMPFS',
    'RD_GZIP',
    'IP_VS_NFCT',
  ])
    t.false(symbols.includes(modern), modern);
  t.is(parseKconfig(f.text).get('IP_VS_LC'), 'm');
});

test('the 6.1 full fragment has every IPVS scheduler built in and no 2.6-era names', (t) => {
  const f = generateKernelFragment(makeSpec());
  const v = parseKconfig(f.text);
  for (const s of [
    'IP_VS',
    'IP_VS_RR',
    'IP_VS_LC',
    'IP_VS_MH',
    'IP_VS_TWOS',
    'NF_CONNTRACK',
    'NF_NAT',
    'IP_NF_NAT',
    'SERIAL_8250_CONSOLE',
    'DEVTMPFS',
    'RD_ZSTD',
    'VIRTIO_PCI',
    'ACPI',
    'SMP',
    'PCI_MSI',
  ])
    t.is(v.get(s), 'y', s);
  t.is(v.get('IP_VS_TAB_BITS'), '12');
  t.is(v.get('NR_CPUS'), '512');
  t.false(v.has('IP_NF_CONNTRACK'));
  // Module support only for the NIC drivers (hardware/nics.json keeps them as modules); IPVS stays built in.
  t.is(v.get('MODULES'), 'y');
  t.regex(
    f.lines.find((l) => l.symbol === 'MODULES')?.reasons.join() ?? '',
    /^hardware nics: drivers kept as modules/,
  );
  for (const s of ['VIRTIO_NET', 'E1000', 'E1000E', 'MLX5_CORE', 'TULIP']) t.is(v.get(s), 'm', s);
  t.false(v.has('IP_VS_IPV6'));
  t.is(
    v.get('NET_IPIP'),
    'y',
    'the site kernel carries the tunnel driver, though the reference has no TUN member',
  );
  t.is(v.get('FILE_LOCKING'), 'y', 'profile full runs every program, iptables included');
  t.is(v.get('TIMERFD'), 'y', 'profile full runs every program, keepalived included');
});

test('the platform options raise tinyconfig and defconfig; a .config base keeps its own (NR_CPUS, watchdogs)', (t) => {
  const platform = (base: string): Map<string, string> => {
    const spec = makeSpec();
    return parseKconfig(generateKernelFragment({ ...spec, kernel: { ...spec.kernel, base } }).text);
  };
  for (const base of ['tinyconfig', 'defconfig']) {
    t.is(platform(base).get('NR_CPUS'), '512', base);
    t.is(platform(base).get('ITCO_WDT'), 'y', base);
  }
  const distro = platform('/boot/config-6.1.0-amd64');
  t.false(distro.has('NR_CPUS'));
  t.false(distro.has('ITCO_WDT'));
  t.is(distro.get('E1000E'), 'm', 'the NIC drivers of the selection are still asked for');
});

test('a director with netfilter rules gets FILE_LOCKING (iptables-restore takes an flock)', async (t) => {
  const { spec } = await loadSpec('images/fwmark-example.yaml');
  const v = parseKconfig(generateKernelFragment(spec).text);
  t.is(v.get('FILE_LOCKING'), 'y');
  t.is(v.get('NETFILTER_XT_TARGET_MARK'), 'y');
  const plain = parseKconfig(generateKernelFragment(makeSpec({ kernel: { profile: 'minimal' } })).text);
  t.false(plain.has('FILE_LOCKING'), 'profile minimal without netfilter rules: iptables never runs');
});

test('minimal: only what the spec uses, plus the dependencies from the Kconfig', (t) => {
  const f = generateKernelFragment(minimalSpec());
  const v = parseKconfig(f.text);
  for (const s of [
    'IP_VS',
    'IP_VS_LC',
    'IP_VS_WRR',
    'IP_VS_RR',
    'IP_VS_PE_SIP',
    'NF_CONNTRACK_SIP',
    'NF_CONNTRACK',
    'IP_NF_MANGLE',
    'NETFILTER_XT_TARGET_MARK',
    'NET_IPIP',
  ])
    t.is(v.get(s), 'm', s);
  for (const s of ['IP_VS_PROTO_TCP', 'IP_VS_PROTO_UDP', 'MODULES', 'RD_ZSTD']) t.is(v.get(s), 'y', s);
  for (const s of ['IP_VS_SH', 'IP_VS_FTP', 'NF_TABLES', 'IP_VS_PROTO_SCTP']) t.false(v.has(s), s);
  const sip = f.lines.find((l) => l.symbol === 'NF_CONNTRACK_SIP')!;
  t.regex(sip.reasons.join('\n'), /needed by IP_VS_PE_SIP \(depends on NF_CONNTRACK_SIP\)/);
  t.regex(
    f.text,
    /# spec uses scheduler:wrr \(\/directors\/0\/services\/1\/scheduler\)\nCONFIG_IP_VS_WRR=m\n/,
  );
});

test('the same spec on 2.6.16 renames conntrack and NAT to the IP_NF_* era', (t) => {
  const spec = makeSpec({
    kernel: { version: '2.6.16.27', profile: 'minimal', options: 'module' },
    image: { compression: 'gzip' },
  });
  spec.directors[0]!.netfilter = {
    rules: [{ table: 'nat', chain: 'POSTROUTING', rule: '-o eth0 -j MASQUERADE' }],
  };
  const v = parseKconfig(generateKernelFragment(spec).text);
  for (const s of [
    'IP_NF_CONNTRACK',
    'IP_NF_NAT',
    'IP_NF_IPTABLES',
    'NETFILTER_XTABLES',
    'IP_VS',
    'IP_VS_LC',
  ])
    t.is(v.get(s), 'm', s);
  for (const s of ['NF_CONNTRACK', 'NF_NAT', 'RD_GZIP']) t.false(v.has(s), s);
  t.is(v.get('EXPERIMENTAL'), 'y');
});

test('--kernel-version overrides the spec version', (t) => {
  const f = generateKernelFragment(makeSpec(), { kernelVersion: '2.6.16' });
  t.is(f.kernelVersion, '2.6.16');
  t.is(parseKconfig(f.text).get('IP_NF_CONNTRACK'), 'y');
});

test('a feature newer than the pinned kernel is a SpecError naming the spec path', (t) => {
  const spec = makeSpec({ kernel: { version: '2.6.16.27', profile: 'minimal' } });
  spec.directors[0]!.services[0]!.scheduler = 'mh';
  const err = t.throws(() => generateKernelFragment(spec), { instanceOf: SpecError });
  t.is(err.problems[0]!.pointer, '/directors/0/services/0/scheduler');
  t.regex(err.message, /scheduler:mh needs kernel 4.18 or later, but kernel.version is 2.6.16.27/);
});

test('extraConfig lines are added, and a conflict names both sources', (t) => {
  const ok = generateKernelFragment(
    makeSpec({ kernel: { extraConfig: ['CONFIG_IKCONFIG=y', '# CONFIG_IP_VS_TWOS is not set'] } }),
  );
  const v = parseKconfig(ok.text);
  t.is(v.get('IKCONFIG'), 'y');
  t.is(v.get('IP_VS_TWOS'), 'n', 'extraConfig may override what the full profile adds');
  t.deepEqual(ok.overrides, [
    { symbol: 'IP_VS_TWOS', value: 'n', replaced: 'y', source: '/kernel/extraConfig/1' },
  ]);
  const err = t.throws(
    () => generateKernelFragment(makeSpec({ kernel: { extraConfig: ['# CONFIG_IP_VS_LC is not set'] } })),
    { instanceOf: SpecError },
  );
  t.regex(
    err.message,
    /CONFIG_IP_VS_LC is asked to be y by \/directors\/0\/services\/0\/scheduler and n by \/kernel\/extraConfig\/0/,
  );
  const bad = t.throws(() => generateKernelFragment(makeSpec({ kernel: { extraConfig: ['IP_VS=y'] } })), {
    instanceOf: SpecError,
  });
  t.is(bad.problems[0]!.pointer, '/kernel/extraConfig/0');
});

test('full profile without a menu list for the version, and unknown versions, are SpecErrors', (t) => {
  const e1 = t.throws(() => generateKernelFragment(makeSpec({ kernel: { version: '4.19' } })), {
    instanceOf: SpecError,
  });
  t.is(e1.problems[0]!.pointer, '/kernel/profile');
  t.regex(e1.message, /pin one of 2\.4\.0, 2\.6\.16, 6\.1/);
  t.notThrows(() => generateKernelFragment(makeSpec({ kernel: { version: '4.19', profile: 'minimal' } })));
  const e2 = t.throws(() => generateKernelFragment(makeSpec({ kernel: { version: 'latest' } })), {
    instanceOf: SpecError,
  });
  t.is(e2.problems[0]!.pointer, '/kernel/version');
});

test('4.19 minimal: NF_CONNTRACK_IPV4 is gone, 3.7–5.0 NAT gets NF_NAT_IPV4', (t) => {
  const spec = makeSpec({ kernel: { profile: 'minimal' } });
  spec.directors[0]!.netfilter = { rules: [{ table: 'nat', chain: 'POSTROUTING', rule: '-j MASQUERADE' }] };
  const at = (version: string): Map<string, string> =>
    parseKconfig(generateKernelFragment(spec, { kernelVersion: version }).text);
  t.false(at('4.19').has('NF_CONNTRACK_IPV4'));
  t.true(at('4.19').has('NF_NAT_IPV4'));
  t.true(at('4.14').has('NF_CONNTRACK_IPV4'));
  t.false(at('6.1').has('NF_NAT_IPV4'));
});

test('lines are sorted and each follows a reason comment', (t) => {
  const f = generateKernelFragment(makeSpec());
  const symbols = f.lines.map((l) => l.symbol);
  t.deepEqual(symbols, [...symbols].sort());
  const lines = f.text.split('\n');
  lines.forEach((line, i) => {
    if (/^(CONFIG_|# CONFIG_)/.test(line))
      t.regex(
        lines[i - 1]!,
        /^# (base|spec uses|profile full|needed by|kernel\.extraConfig|hardware (nics|platform))/,
        line,
      );
  });
  t.is(parseKconfig(f.text).size, f.lines.length, 'every line parses back as a setting; comments do not');
});

test('lvs-image kconfig prints the fragment, or writes it with --out', (t) => {
  const printed = runCli(['kconfig', 'images/dsas-lv1.yaml']);
  t.is(printed.status, 0, printed.stderr);
  t.is(printed.stdout, readFileSync(path.join(GOLDEN, 'dsas-lv1.config'), 'utf8'));
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'kconfig-cli-')), 'frag.config');
  const written = runCli(['kconfig', 'images/dsas-lv1.yaml', '--kernel-version', '2.6.16.27', '--out', out]);
  t.is(written.status, 0, written.stderr);
  t.is(written.stdout, '');
  t.is(parseKconfig(readFileSync(out, 'utf8')).get('IP_NF_CONNTRACK'), 'y');
  const bad = runCli(['kconfig', 'images/dsas-lv1.yaml', '--kernel-version', '4.19']);
  t.is(bad.status, 2);
  t.regex(bad.stderr, /\/kernel\/profile: profile full has no menu list for kernel 4\.19/);
});

test('every 6.1 example shares one kernel: their fragments set the same symbols (CI builds it once)', async (t) => {
  const specs = [
    'images/dsas-lv1.yaml',
    'images/dr-example.yaml',
    'images/fwmark-example.yaml',
    'images/checked-example.yaml',
    'images/mixed-example.yaml',
    'images/dsas-ha.yaml',
    'images/dr-pair-example.yaml',
    'test/fixtures/rolling/dsas-ha-reweighted.yaml',
  ];
  const fragments = await Promise.all(
    // The kernel's cache key is the final .config: symbols and values (the reasons are comments).
    specs.map(async (f) =>
      generateKernelFragment((await loadSpec(f)).spec)
        .lines.map((l) => `${l.symbol}=${l.value}`)
        .join('\n'),
    ),
  );
  fragments.forEach((f, i) => t.is(f, fragments[0] ?? '', `${specs[i] ?? i} has another fragment`));
  // A TUN member (ipip) does not add NET_IPIP to profile full: the site kernel has it already.
  const { spec: tun } = await loadSpec('images/dr-example.yaml');
  for (const s of tun.directors[0]!.services) for (const r of s.realServers) r.forwarding = 'ipip';
  const tunFragment = generateKernelFragment(tun)
    .lines.map((l) => `${l.symbol}=${l.value}`)
    .join('\n');
  t.is(tunFragment, fragments[0] ?? '', 'a TUN member changes the site kernel');
});

test('remote syslog keeps the in-memory ring too: a minimal kernel gets SYSVIPC for syslogd -C', (t) => {
  const plain = parseKconfig(generateKernelFragment(makeSpec({ kernel: { profile: 'minimal' } })).text);
  t.false(plain.has('SYSVIPC'));
  const spec = makeSpec({ kernel: { profile: 'minimal' } });
  spec.access = { syslog: '192.168.31.250' };
  t.is(parseKconfig(generateKernelFragment(spec).text).get('SYSVIPC'), 'y');
});
