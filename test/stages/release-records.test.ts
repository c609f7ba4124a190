/**
 * releaseRecords (src/stages/publish/records.ts): the release records from one pure function. The bytes of real
 * builds are compared by the integration tests; here the shape: what each program adds, where, and nothing else.
 */
import test from 'ava';
import type { IpvsadmArtifacts, KernelArtifacts } from '../../src/context.js';
import type { DropbearArtifacts } from '../../src/packages/dropbear.js';
import { planImage } from '../../src/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { generateKernelFragment } from '../../src/stages/kernel-config.js';
import type { ProgramArtifacts } from '../../src/stages/program/definition.js';
import { releaseRecords, type ReleaseFacts } from '../../src/stages/publish/records.js';

const kernel: KernelArtifacts = {
  release: '6.1.192',
  image: '/k',
  config: '/c',
  ipvsVersionCode: 0x010201,
  sourceSha256: 'a'.repeat(64),
  origin: 'debian:linux-source-6.1',
};
const ipvsadm = { version: '1.31', binary: '/i', ipvsVersionCode: 0x010201, versionLine: 'ipvsadm v1.31' };
const base = (version: string): ProgramArtifacts => ({
  version,
  link: 'static',
  binaries: {},
  libraries: [],
  sourceSha256: 'b'.repeat(64),
  cacheHit: true,
});
const dropbear: DropbearArtifacts = {
  ...base('2022.83'),
  versionLine: 'Dropbear v2022.83',
  hostKeyType: 'ed25519',
  keygen: '/kg',
  hostKeys: [
    { hostname: 'lv4', file: '/key', publicKey: 'ssh-ed25519 AAAA', fingerprint: 'SHA256:x', made: false },
  ],
};

async function facts(file: string, programs: ReleaseFacts['programs']): Promise<ReleaseFacts> {
  const { spec } = await loadSpec(file);
  return {
    spec,
    plan: planImage(spec),
    fragment: generateKernelFragment(spec),
    kernel,
    ipvsadm: ipvsadm as IpvsadmArtifacts,
    programs,
    rendered: {},
    outputs: {},
    rootfsFiles: {},
    inputs: {
      specFile: 'x.yaml',
      specSha256: 'c'.repeat(64),
      lockSha256: undefined,
      compiler: 'gcc',
      lvsImageVersion: '0',
    },
  };
}

test('every program a director runs adds its manifest section; dropbear adds known_hosts', async (t) => {
  const programs = {
    keepalived: {
      ...base('2.2.7'),
      versionText: 'Keepalived v2.2.7\nConfig options: LVS VRRP',
      configOptions: ['LVS', 'VRRP'],
    },
    dropbear,
    busybox: { ...base('1.35.0'), applets: ['ntpd'] },
  };
  const records = releaseRecords(await facts('images/checked-example.yaml', programs));
  t.deepEqual(
    records.map((r) => r.path),
    ['lv4/manifest.json', 'lv4/state.json', 'known_hosts'],
  );
  const manifest = JSON.parse(records[0]?.text ?? '{}') as Record<string, unknown>;
  t.deepEqual(Object.keys(manifest).slice(5, 9), ['mode', 'keepalived', 'ssh', 'busybox']);
  t.like(manifest, {
    keepalived: {
      version: '2.2.7',
      configOptions: ['LVS', 'VRRP'],
      versionText: ['Keepalived v2.2.7', 'Config options: LVS VRRP'],
    },
    ssh: { hostKey: 'ssh-ed25519 AAAA', fingerprint: 'SHA256:x', listen: ['192.168.31.11:22'] },
    busybox: { version: '1.35.0', applets: ['ntpd'] },
  });
  t.is(records[2]?.text, 'lv4,192.168.31.11 ssh-ed25519 AAAA\n');
  t.like(JSON.parse(records[1]?.text ?? '{}'), {
    keepalived: '2.2.7',
    dropbear: '2022.83',
    busybox: '1.35.0',
  });
  t.deepEqual(releaseRecords(await facts('images/checked-example.yaml', programs)), records, 'pure');
});

test('a director that runs no program: null sections, no known_hosts', async (t) => {
  const records = releaseRecords(
    await facts('images/dsas-lv1.yaml', { keepalived: null, dropbear: null, busybox: null }),
  );
  t.deepEqual(
    records.map((r) => r.path),
    ['lv1/manifest.json', 'lv1/state.json'],
  );
  t.like(JSON.parse(records[0]?.text ?? '{}'), { keepalived: null, ssh: null, busybox: null });
});
