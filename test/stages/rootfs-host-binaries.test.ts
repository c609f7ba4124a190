import test from 'ava';
import { binaryLayer } from '../../src/stages/rootfs/host-binaries.js';

// Debian's iptables: iptables-legacy, -restore and -save are symlinks to one multi-call program.
test('iptables names stay symlinks to one copy of xtables-legacy-multi, with its plugins and libraries', async (t) => {
  const layer = await binaryLayer({
    busybox: '/bin/busybox',
    // Any static program stands in for ipvsadm here: only its path and libraries matter to this layer.
    ipvsadm: {
      version: '1.31',
      binary: '/bin/busybox',
      ipvsVersionCode: 0x010201,
      versionLine: '',
      libraries: [],
    },
    extraBinaries: ['iptables-legacy-restore', 'iptables-legacy', 'iptables-legacy-save'],
  });
  const byPath = new Map(layer.entries.map((e) => [e.path, e]));
  const multi = byPath.get('/usr/sbin/xtables-legacy-multi');
  t.is(multi?.type, 'file');
  for (const name of ['iptables-legacy-restore', 'iptables-legacy', 'iptables-legacy-save'])
    t.like(byPath.get(`/usr/sbin/${name}`), { type: 'symlink', target: '/usr/sbin/xtables-legacy-multi' });
  t.is(layer.entries.filter((e) => e.type === 'file' && e.path.endsWith('xtables-legacy-multi')).length, 1);
  const paths = [...byPath.keys()];
  t.true(
    paths.some((p) => /\/xtables\/libxt_MARK\.so$/.test(p)),
    'the MARK target plugin (dlopen)',
  );
  t.true(
    paths.some((p) => /\/libxtables\.so\.\d+$/.test(p)),
    'libxtables',
  );
});
