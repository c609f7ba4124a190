/**
 * keepalived -t with the real built keepalived, in a throw-away namespace carrying the director's interface
 * names (root: namespaces). The keepalived build is the machine's cached one.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError } from '../../src/lib/errors.js';
import { run } from '../../src/lib/exec.js';
import { listNetns } from '../../src/lib/netns.js';
import { KEEPALIVED } from '../../src/packages/keepalived.js';
import { provideProgram } from '../../src/stages/program/provide.js';
import { complaintLines, testKeepalivedConfig } from '../../src/stages/keepalived/config-test.js';
import { integrationTest } from '../_helpers/integration.js';

const work = await mkdtemp(path.join(tmpdir(), 'lvs-keepalived-t-'));
test.after.always(() => rm(work, { recursive: true, force: true }));

const CONFIG = `global_defs {
  router_id lv1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    10.10.31.100/32 dev eth0 label eth0:100
  }
}
virtual_server 10.10.31.100 80 {
  delay_loop 3
  lb_algo lc
  lb_kind NAT
  protocol TCP
  real_server 192.168.31.101 80 {
    weight 1
    inhibit_on_failure
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 2
    }
  }
}
`;

test('complaintLines keeps what keepalived said, line by line', (t) => {
  t.deepEqual(complaintLines('\n (x: Line 6) WARNING - a \n\nb\n'), ['(x: Line 6) WARNING - a', 'b']);
});

integrationTest(
  'keepalived -t: the config passes with its interfaces present; a missing interface or a bad scheduler is quoted',
  ['gcc', 'make', 'apt-get', 'ip'],
  async (t) => {
    const ka = await provideProgram(
      KEEPALIVED,
      { version: '2.2.7' },
      { run, log: () => undefined },
      {
        logFile: path.join(work, 'build.log'),
      },
    );
    const file = (name: string, text: string): Promise<string> =>
      writeFile(path.join(work, name), text).then(() => path.join(work, name));
    const good = await file('good.conf', CONFIG);
    const before = await listNetns();
    const ok = await testKeepalivedConfig({
      binary: ka.binaries.keepalived ?? '',
      configFile: good,
      interfaces: ['eth0', 'eth1'],
      run,
    });
    t.deepEqual(ok.warnings, []);

    const noIf = await t.throwsAsync(
      testKeepalivedConfig({
        binary: ka.binaries.keepalived ?? '',
        configFile: good,
        interfaces: ['eth1'],
        run,
      }),
      { instanceOf: BuildError },
    );
    t.regex(noIf.message, /keepalived -t rejected .*good\.conf \(exit status \d+\)/);
    t.regex(noIf.message, /interface eth0 for vrrp_instance VI_1 doesn't exist/);

    const bad = await file('bad.conf', CONFIG.replace('lb_algo lc', 'lb_algo nope'));
    const algo = await t.throwsAsync(
      testKeepalivedConfig({
        binary: ka.binaries.keepalived ?? '',
        configFile: bad,
        interfaces: ['eth0'],
        run,
      }),
      {
        instanceOf: BuildError,
      },
    );
    t.regex(algo.message, /Line 16\) Invalid lvs_scheduler 'nope'/);
    await t.throwsAsync(
      testKeepalivedConfig({
        binary: ka.binaries.keepalived ?? '',
        configFile: path.join(work, 'absent.conf'),
        interfaces: [],
        run,
      }),
      { message: /no such file to check with keepalived -t/ },
    );
    t.deepEqual(await listNetns(), before, 'every namespace made was deleted');
  },
);
