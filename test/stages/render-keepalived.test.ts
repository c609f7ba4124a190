/**
 * keepalived.conf rendering: a golden file for a spec with every option lvs-image renders, the file set of a
 * director in each mode, and keyword spelling taken from the catalog. Regenerate with UPDATE_GOLDEN=1.
 */
import test from 'ava';
import { resolveDirector } from '../../src/director/resolve.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findKeepalivedRelease } from '../../src/packages/keepalived.js';
import { detectionBound, effectiveCheck } from '../../src/spec/health-check.js';
import { loadSpec } from '../../src/spec/load.js';
import { renderSite } from '../../src/stages/render.js';
import { formatKeepalivedConf } from '../../src/stages/render/keepalived-conf.js';
import { ROOT } from '../_helpers/cli.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/keepalived/every-option.yaml');
const GOLDEN = path.join(ROOT, 'test/fixtures/golden/keepalived/every-option.conf');

test('golden: keepalived.conf of a spec with every rendered option', async (t) => {
  const { spec } = await loadSpec(FIXTURE);
  const file = renderSite(spec).find((f) => f.relPath === 'lv9/rootfs/etc/keepalived/keepalived.conf');
  if (file === undefined) return t.fail('no keepalived.conf rendered');
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, file.content);
  t.is(file.content, existsSync(GOLDEN) ? readFileSync(GOLDEN, 'utf8') : '');
});

test('the rendered config follows the spec: quiesce is inhibit_on_failure, remove is not, none has no checker', async (t) => {
  const { spec } = await loadSpec(FIXTURE);
  const text = renderSite(spec).find((f) => f.relPath.endsWith('keepalived.conf'))?.content ?? '';
  const realServer = (head: string): string => {
    const start = text.indexOf(`real_server ${head} {`);
    return text.slice(start, text.indexOf('\n    }\n', start));
  };
  t.regex(realServer('192.168.31.101 80'), /inhibit_on_failure[\s\S]*HTTP_GET/);
  t.notRegex(realServer('192.168.31.102 8080'), /inhibit_on_failure/);
  t.regex(realServer('192.168.31.102 8080'), /TCP_CHECK/);
  t.notRegex(realServer('192.168.31.103 80'), /_CHECK|HTTP_GET/);
  t.regex(text, /virtual_server fwmark 7 \{[\s\S]*?connect_port 80/);
  t.regex(text, /sorry_server 192\.168\.31\.200 8080/);
});

test('a director with checks gets keepalived.conf and no ipvsadm rules; one without, the reverse', async (t) => {
  const checked = renderSite((await loadSpec(path.join(ROOT, 'images/checked-example.yaml'))).spec);
  const plain = renderSite((await loadSpec(path.join(ROOT, 'images/dsas-lv1.yaml'))).spec);
  const names = (files: typeof plain) => files.map((f) => f.relPath.replace(/^[^/]+\/rootfs/, ''));
  t.true(names(checked).includes('/etc/keepalived/keepalived.conf'));
  t.false(names(checked).includes('/etc/ipvsadm.rules'));
  t.true(names(plain).includes('/etc/ipvsadm.rules'));
  t.false(names(plain).some((n) => n.includes('keepalived')));
});

test('keyword spelling comes from the catalog entry of the pinned release', async (t) => {
  const { spec } = await loadSpec(FIXTURE);
  const director = spec.directors[0]!;
  const release = findKeepalivedRelease('2.2.7');
  const old = { ...release, keywords: { scheduler: 'lb_algo', method: 'lb_kind' } };
  const text = formatKeepalivedConf(resolveDirector(spec, director), old).join('\n');
  t.regex(text, /^ {4}lb_algo wrr$/m);
  t.regex(text, /^ {8}lb_kind NAT$/m);
  t.notRegex(text, /lvs_sched|^ *lvs_method/m);
});

test('detection bound: interval + timeout + retries x (retryDelay + timeout)', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/checked-example.yaml'));
  const svc = spec.directors[0]!.services[0]!;
  const c = effectiveCheck(svc, svc.realServers[0]!);
  t.truthy(c);
  t.is(detectionBound(c!), 2 + 1 + 1 * (1 + 1));
});

test('pairs: every member starts BACKUP with its priority; unicast names the other members; sub-second adverts use VRRPv3', async (t) => {
  const { spec } = await loadSpec(path.join(ROOT, 'images/dsas-ha.yaml'));
  const conf = (s: typeof spec, host: string): string =>
    renderSite(s).find((f) => f.relPath === `${host}/rootfs/etc/keepalived/keepalived.conf`)?.content ?? '';
  const lv1 = conf(spec, 'lv1');
  const lv2 = conf(spec, 'lv2');
  t.regex(
    lv1,
    /vrrp_instance dsas_eth0 \{\n {4}state BACKUP\n {4}interface eth0\n {4}virtual_router_id 31\n {4}priority 150\n/,
  );
  t.regex(
    lv2,
    /vrrp_instance dsas_eth0 \{\n {4}state BACKUP\n {4}interface eth0\n {4}virtual_router_id 31\n {4}priority 100\n/,
  );
  t.regex(lv1, /lvs_sync_daemon eth1 dsas_eth0 id 31\n/);
  t.regex(lv1, /192\.168\.31\.1\/32 dev eth1 label eth1:1\n/);
  t.notRegex(lv1, /vrrp_version|unicast|nopreempt/);
  // Everything but the priority and the router id is the same on both members.
  const strip = (c: string) => c.replace(/priority \d+|router_id lv\d|of lv\d/g, '');
  t.is(strip(lv1), strip(lv2));
  // The VIPs are keepalived's: /init adds none of them.
  const init = renderSite(spec).find((f) => f.relPath === 'lv1/rootfs/init')?.content ?? '';
  t.notRegex(init, /ip addr add 10\.10\.31\.100/);

  const pair = spec.pairs![0]!;
  const other = {
    ...spec,
    pairs: [
      { ...pair, unicast: true, preempt: false, advertInterval: 0.1, priorities: { lv1: 200, lv2: 20 } },
    ],
  };
  const u1 = conf(other, 'lv1');
  t.regex(u1, /vrrp_version 3\n/);
  t.regex(
    u1,
    /priority 200\n {4}advert_int 0\.1\n {4}nopreempt\n {4}unicast_src_ip 10\.10\.31\.11\n {4}unicast_peer \{\n {8}10\.10\.31\.12\n {4}\}/,
  );
  t.regex(conf(other, 'lv2'), /unicast_src_ip 192\.168\.31\.12\n {4}unicast_peer \{\n {8}192\.168\.31\.11\n/);
});
