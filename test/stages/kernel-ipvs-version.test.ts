import test from 'ava';
import { formatIpvsVersion } from '../../src/context.js';
import { parseIpvsVersionCode, readIpvsVersionCode } from '../../src/stages/kernel/ipvs-version.js';

const layouts = [
  ['headers-3.7', 0x010201, 'include/uapi/linux/ip_vs.h'],
  ['headers-2.6.28', 0x010201, 'include/linux/ip_vs.h'],
  ['headers-2.4', 0x010008, 'include/net/ip_vs.h'],
] as const;
for (const [dir, code, file] of layouts) {
  test(`reads IP_VS_VERSION_CODE from ${file} (${dir})`, (t) => {
    const found = readIpvsVersionCode(`test/fixtures/kernel/${dir}`);
    t.is(found?.code, code);
    t.true(found!.file.endsWith(file));
  });
}

test('no definition anywhere gives undefined', (t) => {
  t.is(readIpvsVersionCode('test/fixtures/kernel/headers-none'), undefined);
  t.is(readIpvsVersionCode('test/fixtures/kernel/does-not-exist'), undefined);
});

test('parses hex and decimal defines, formats as x.y.z', (t) => {
  t.is(parseIpvsVersionCode('#  define IP_VS_VERSION_CODE 66049\n'), 66049);
  t.is(parseIpvsVersionCode('#define IP_VS_VERSION_CODE_X 1\n'), undefined);
  t.is(formatIpvsVersion(parseIpvsVersionCode('#define IP_VS_VERSION_CODE 0x010201')!), '1.2.1');
});
