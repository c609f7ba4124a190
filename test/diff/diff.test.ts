/**
 * `lvs-image diff`: the semantic comparison of specs and releases (src/diff/), its text (golden) and JSON output,
 * its exit codes (0 equal, 1 different, 2 bad operand) and the reboot/reload verdict.
 */
import test from 'ava';
import { resolveDirector } from '../../src/director/resolve.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { diffDirector, diffSites } from '../../src/diff/compare.js';
import { formatSiteDiff, ipvsadmCommand } from '../../src/diff/format.js';
import { loadDiffSide } from '../../src/diff/load.js';
import { directorStateFromSpec, formatState, type DirectorState } from '../../src/diff/state.js';
import { SpecError } from '../../src/lib/errors.js';
import { loadSpec } from '../../src/spec/load.js';
import { planDirectorFiles, renderFiles } from '../../src/stages/render.js';
import { runCli } from '../_helpers/cli.js';

const HA = 'images/dsas-ha.yaml';
const REWEIGHTED = 'test/fixtures/rolling/dsas-ha-reweighted.yaml';

function golden(t: { is: (a: string, b: string, m?: string) => void }, name: string, actual: string): void {
  const file = path.join('test/fixtures/golden/diff', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  t.is(
    actual,
    readFileSync(file, 'utf8'),
    `run UPDATE_GOLDEN=1 npx ava test/diff/diff.test.ts and review ${file}`,
  );
}

async function stateOf(file: string, host?: string): Promise<DirectorState> {
  const { spec } = await loadSpec(file);
  const d = host === undefined ? spec.directors[0]! : spec.directors.find((x) => x.hostname === host)!;
  return directorStateFromSpec(
    spec,
    resolveDirector(spec, d),
    renderFiles(planDirectorFiles(resolveDirector(spec, d))),
  );
}

/** A published-looking folder holding `states` (what the build writes: manifest.json, state.json, SHA256SUMS). */
function releaseFolder(states: DirectorState[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-diff-'));
  for (const s of states) {
    mkdirSync(path.join(dir, s.hostname));
    writeFileSync(path.join(dir, s.hostname, 'manifest.json'), JSON.stringify({ hostname: s.hostname }));
    writeFileSync(path.join(dir, s.hostname, 'state.json'), formatState(s));
  }
  writeFileSync(path.join(dir, 'SHA256SUMS'), '');
  return dir;
}

/** A built state: a kernel release and a full root with binaries. */
function built(s: DirectorState, binary = 'busybox 1.35'): DirectorState {
  return {
    ...s,
    kernel: { ...s.kernel, release: '6.1.192' },
    files: { ...s.files, '/bin/busybox': { size: binary.length, sha256: binary, mode: '0755' } },
    filesComplete: true,
  };
}

test('a weight change is one ipvsadm -e and needs only a reload (golden)', async (t) => {
  const a = await loadDiffSide(HA, 'out');
  const b = await loadDiffSide(REWEIGHTED, 'out');
  const diff = diffSites(a, b);
  t.false(diff.equal);
  for (const d of diff.directors) {
    t.is(d.needs, 'reload');
    const ipvs = d.changes.filter((c) => c.section === 'IPVS');
    t.deepEqual(ipvs.map(ipvsadmCommand), [
      'ipvsadm -e -t 10.10.31.100:80 -r 192.168.31.101:80 -m -w 3   (was -m -w 1)',
    ]);
  }
  golden(t, 'ha-reweighted.txt', formatSiteDiff(diff));
});

test('a spec compared with itself is equal', async (t) => {
  const s = await stateOf('images/dsas-lv1.yaml');
  const d = diffDirector(s, s);
  t.deepEqual(d.changes, []);
  t.is(d.needs, null);
});

test('another kernel and ipvsadm need a reboot, with each kernel option and its reason', async (t) => {
  const d = diffDirector(await stateOf('images/dsas-lv1.yaml'), await stateOf('images/dsas-2006.yaml'));
  t.is(d.needs, 'reboot');
  const kernel = d.changes.find((c) => c.section === 'kernel');
  t.is(kernel?.before, '6.1');
  t.is(kernel?.after, '2.6.16.27');
  const conntrack = d.changes.find((c) => c.subject === 'CONFIG_IP_NF_CONNTRACK');
  t.is(conntrack?.kind, 'added');
  t.is(conntrack?.after, 'm');
  t.true(conntrack!.reasons.some((r) => r.startsWith('profile full')));
  t.true(d.changes.some((c) => c.section === 'programs' && c.subject === 'ipvsadm' && c.after === '1.24'));
});

test('services, members, netfilter, sysctls and VIPs: added, removed and changed, in ipvsadm terms', async (t) => {
  const a = await stateOf('images/fwmark-example.yaml');
  const b: DirectorState = structuredClone(a);
  const [sw, svc] = Object.entries(b.services)[0]!;
  const [member] = Object.keys(svc.members);
  delete svc.members[member!];
  svc.members['10.9.9.9:80'] = '-m -w 2';
  svc.options = '-s rr';
  b.services['-t 10.10.31.200:443'] = { options: '-s wlc', members: { '10.9.9.8:443': '-m -w 1' } };
  b.sysctls['net.ipv4.vs.expire_nodest_conn'] = '1';
  b.vips['10.10.31.201'] = 'on eth0';
  const table = Object.keys(b.netfilter)[0]!;
  b.netfilter[table] = [...b.netfilter[table]!, '-A PREROUTING -p udp -j ACCEPT'];
  const d = diffDirector(a, b);
  t.is(d.needs, 'reload');
  const ipvs = d.changes.filter((c) => c.section === 'IPVS').map(ipvsadmCommand);
  t.true(
    ipvs.includes(`ipvsadm -E ${sw} -s rr   (was ${Object.values(a.services)[0]!.options})`),
    ipvs.join('\n'),
  );
  t.true(ipvs.includes(`ipvsadm -d ${sw} -r ${member!}`));
  t.true(ipvs.includes(`ipvsadm -a ${sw} -r 10.9.9.9:80 -m -w 2`));
  t.true(ipvs.includes('ipvsadm -A -t 10.10.31.200:443 -s wlc'));
  t.true(ipvs.includes('ipvsadm -a -t 10.10.31.200:443 -r 10.9.9.8:443 -m -w 1'));
  t.true(d.changes.some((c) => c.section === 'sysctls' && c.kind === 'added'));
  t.true(d.changes.some((c) => c.section === 'VIPs' && c.subject === '10.10.31.201'));
  const text = formatSiteDiff(diffSites({ label: 'a', directors: [a] }, { label: 'b', directors: [b] }));
  t.regex(text, /netfilter\n {4}~ \*mangle\n {8}\+ -A PREROUTING -p udp -j ACCEPT/);
});

test('an interface change needs a reboot', async (t) => {
  const a = await stateOf('images/dsas-lv1.yaml');
  const b: DirectorState = structuredClone(a);
  const [name] = Object.keys(b.interfaces);
  b.interfaces[name!] = '10.10.31.12/24';
  t.is(diffDirector(a, b).needs, 'reboot');
});

test('releases compare every root file; against a spec only the rendered ones', async (t) => {
  const s = await stateOf('images/dsas-lv1.yaml');
  const a = built(s);
  const b = built(s, 'busybox 1.36');
  const both = diffDirector(a, b);
  t.deepEqual(
    both.changes.map((c) => [c.section, c.subject, c.effect]),
    [['files', '/bin/busybox', 'reboot']],
  );
  t.deepEqual(both.notCompared, []);
  const withSpec = diffDirector(s, b);
  t.deepEqual(withSpec.changes, [], 'the spec renders no busybox, and the kernel series matches the release');
  t.is(withSpec.notCompared.length, 1);
});

test('a release folder is read from its state.json; diff prints and exits 1 when it differs', async (t) => {
  const dir = releaseFolder([built(await stateOf(HA, 'lv1')), built(await stateOf(HA, 'lv2'))]);
  const same = runCli(['diff', HA, dir]);
  t.is(same.status, 0, same.stderr);
  t.regex(same.stdout, /no differences\n$/);
  const other = runCli(['diff', dir, REWEIGHTED, '--json']);
  t.is(other.status, 1, other.stderr);
  const json = JSON.parse(other.stdout) as { equal: boolean; directors: { needs: string }[] };
  t.false(json.equal);
  t.deepEqual(
    json.directors.map((d) => d.needs),
    ['reload', 'reload'],
  );
});

test('bad operands: not a release, a release without state.json, an unknown name; exit 2, nothing written', async (t) => {
  const empty = mkdtempSync(path.join(tmpdir(), 'lvs-diff-'));
  const notRelease = await t.throwsAsync(loadDiffSide(empty, 'out'), { instanceOf: SpecError });
  t.regex(notRelease.message, /not a release of lvs-image build: it has no SHA256SUMS/);
  const old = releaseFolder([await stateOf(HA, 'lv1')]);
  rmSync(path.join(old, 'lv1/state.json'));
  const noState = await t.throwsAsync(loadDiffSide(old, 'out'), { instanceOf: SpecError });
  t.regex(noState.message, /built before lvs-image published director states/);
  const r = runCli(['diff', HA, 'no-such-site', '--out', empty]);
  t.is(r.status, 2);
  t.regex(r.stderr, /"no-such-site" is not a spec file, a release folder, a site under .* or a release id/);
});
