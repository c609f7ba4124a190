/**
 * The director's /www/cgi-bin/metrics, rendered from images/checked-example.yaml (and a pair, for lvs_vip_held),
 * run by busybox sh as httpd would run it, against recorded `ipvsadm -Ln --stats --exact` / `ipvsadm -Ln` output:
 * the Prometheus families, one sample per service and real server, and 405 for anything but GET and HEAD.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveDirector } from '../../src/director/resolve.js';
import { loadSpec } from '../../src/spec/load.js';
import { planDirectorFiles, renderFiles } from '../../src/stages/render.js';
import { integrationTest } from '../_helpers/integration.js';

const STATS = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
  -> RemoteAddress:Port
TCP  10.10.31.100:80                    20      120      100     8000    12000
  -> 192.168.31.101:80                  11       66       55     4400     6600
  -> 192.168.31.102:80                   9       54       45     3600     5400
`;
const TABLE = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  10.10.31.100:80 lc
  -> 192.168.31.101:80            Masq    1      0          11
  -> 192.168.31.102:80            Masq    0      2          7
`;

/**
 * The rendered script with PATH pointed at a fake ipvsadm, `ip` printing `ipAddrOutput`, and /run/lvs-state (what
 * /init's print_ready writes) read from `state` in the test's folder: absent unless `state` is given.
 */
async function script(specFile: string, ipAddrOutput = '', state?: string): Promise<string> {
  const { spec } = await loadSpec(specFile);
  const d = spec.directors[0]!;
  const metrics = renderFiles(planDirectorFiles(resolveDirector(spec, d))).find(
    (f) => f.path === '/www/cgi-bin/metrics',
  );
  if (metrics === undefined) throw new Error(`${specFile} renders no metrics script`);
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-metrics-'));
  writeFileSync(path.join(dir, 'stats'), STATS);
  writeFileSync(path.join(dir, 'table'), TABLE);
  const fake = (name: string, body: string): void => {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  fake('ipvsadm', `if [ "$2" = --stats ]; then cat ${dir}/stats; else cat ${dir}/table; fi`);
  if (state !== undefined) writeFileSync(path.join(dir, 'state'), `${state}\n`);
  if (!metrics.content.includes('/run/lvs-state'))
    throw new Error('the metrics script no longer reads /run/lvs-state');
  const file = path.join(dir, 'metrics');
  // busybox sh runs its own applets (ip) before PATH: a shell function stands in for `ip -4 -o addr show dev IF`.
  const ip = `ip() { echo '${ipAddrOutput}'; }`;
  writeFileSync(
    file,
    metrics.content
      .replace(/^export PATH=.*$/m, `export PATH=${dir}:/usr/bin:/bin\n${ip}`)
      .replaceAll('/run/lvs-state', path.join(dir, 'state')),
  );
  return file;
}

function cgi(file: string, method: string): string {
  const r = spawnSync('busybox', ['sh', file], { env: { REQUEST_METHOD: method }, encoding: 'utf8' });
  return r.stdout;
}

integrationTest(
  'metrics: every family, one sample per service and real server, in the text format',
  ['busybox'],
  async (t) => {
    const out = cgi(await script('images/checked-example.yaml'), 'GET');
    t.true(out.startsWith('Content-Type: text/plain; version=0.0.4\r\n\r\n'));
    const rs = '{protocol="tcp",service="10.10.31.100:80",realserver="192.168.31.101:80"}';
    for (const line of [
      'lvs_service_connections_total{protocol="tcp",service="10.10.31.100:80"} 20',
      'lvs_service_bytes_out_total{protocol="tcp",service="10.10.31.100:80"} 12000',
      `lvs_realserver_connections_total${rs} 11`,
      `lvs_realserver_packets_in_total${rs} 66`,
      `lvs_realserver_weight${rs} 1`,
      `lvs_realserver_inactive_connections${rs} 11`,
      'lvs_realserver_active_connections{protocol="tcp",service="10.10.31.100:80",realserver="192.168.31.102:80"} 2',
      '# TYPE lvs_realserver_connections_total counter',
      '# TYPE lvs_realserver_weight gauge',
    ])
      t.true(out.includes(`${line}\n`), line);
    // Each family once, its samples together (the text format requires it).
    const types = out.split('\n').filter((l) => l.startsWith('# TYPE '));
    t.is(new Set(types).size, types.length);
    t.is(types.length, 15);
    t.false(out.includes('lvs_vip_held'), 'no pair, no floating address');
  },
);

integrationTest(
  'metrics: lvs_director_ready and lvs_director_boot_step_failed follow /run/lvs-state (booting, ready, degraded)',
  ['busybox'],
  async (t) => {
    const sample = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('lvs_director_'));
    t.deepEqual(sample(cgi(await script('images/checked-example.yaml'), 'GET')), ['lvs_director_ready 0']);
    t.deepEqual(sample(cgi(await script('images/checked-example.yaml', '', 'ready'), 'GET')), [
      'lvs_director_ready 1',
    ]);
    const degraded = await script('images/checked-example.yaml', '', 'degraded interface eth0,vip eth0:100');
    t.deepEqual(sample(cgi(degraded, 'GET')), [
      'lvs_director_ready 0',
      'lvs_director_boot_step_failed{step="interface eth0"} 1',
      'lvs_director_boot_step_failed{step="vip eth0:100"} 1',
    ]);
  },
);

integrationTest(
  'metrics: read-only, POST and DELETE get 405; HEAD gets headers only',
  ['busybox'],
  async (t) => {
    const file = await script('images/checked-example.yaml');
    for (const m of ['POST', 'DELETE', 'PUT'])
      t.regex(cgi(file, m), /^HTTP\/1\.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n/);
    t.is(cgi(file, 'HEAD'), 'Content-Type: text/plain; version=0.0.4\r\n\r\n');
  },
);

integrationTest(
  'metrics of a pair member: lvs_vip_held says whether it holds each floating address',
  ['busybox'],
  async (t) => {
    const pair = 'images/dsas-ha.yaml';
    const held = cgi(await script(pair, '2: eth0    inet 10.10.31.100/32 scope global eth0'), 'GET');
    t.regex(held, /lvs_vip_held\{address="10\.10\.31\.100",interface="eth0"\} 1\n/);
    const notHeld = cgi(await script(pair, '2: eth0    inet 10.10.31.11/24 scope global eth0'), 'GET');
    t.regex(notHeld, /lvs_vip_held\{address="10\.10\.31\.100",interface="eth0"\} 0\n/);
  },
);
