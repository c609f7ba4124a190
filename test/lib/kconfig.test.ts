import test from 'ava';
import {
  checkKconfigValue,
  formatKconfigLine,
  mergeKconfig,
  parseKconfig,
  serializeKconfig,
} from '../../src/lib/kconfig.js';

const TEXT = `#
# Automatically generated file; DO NOT EDIT.
#
CONFIG_IP_VS=m
CONFIG_IP_VS_TAB_BITS=12
CONFIG_DEFAULT_HOSTNAME="(none)"
# CONFIG_IP_VS_DEBUG is not set
CONFIG_PHYSICAL_START=0x1000000
# a comment about CONFIG_FOO=y that is not a setting
`;

test('parses every value form and skips comments', (t) => {
  const v = parseKconfig(TEXT);
  t.deepEqual(
    [...v],
    [
      ['IP_VS', 'm'],
      ['IP_VS_TAB_BITS', '12'],
      ['DEFAULT_HOSTNAME', '"(none)"'],
      ['IP_VS_DEBUG', 'n'],
      ['PHYSICAL_START', '0x1000000'],
    ],
  );
});

test('a later line for the same symbol wins', (t) => {
  t.is(parseKconfig('CONFIG_A=y\n# CONFIG_A is not set\n').get('A'), 'n');
});

test('serializes back to .config lines', (t) => {
  t.is(
    serializeKconfig(parseKconfig(TEXT)),
    'CONFIG_IP_VS=m\nCONFIG_IP_VS_TAB_BITS=12\nCONFIG_DEFAULT_HOSTNAME="(none)"\n# CONFIG_IP_VS_DEBUG is not set\nCONFIG_PHYSICAL_START=0x1000000\n',
  );
  t.is(serializeKconfig(new Map()), '');
  t.is(formatKconfigLine('X', 'n'), '# CONFIG_X is not set');
});

test('merge: the fragment overrides the base in place, appends new symbols and reports overrides', (t) => {
  const base = parseKconfig('CONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=m\n');
  const frag = parseKconfig('CONFIG_B=m\nCONFIG_C=m\nCONFIG_D=y\n');
  const { values, overrides } = mergeKconfig(base, frag);
  t.is(serializeKconfig(values), 'CONFIG_A=y\nCONFIG_B=m\nCONFIG_C=m\nCONFIG_D=y\n');
  t.deepEqual(overrides, [{ symbol: 'B', previous: 'n', value: 'm' }]);
  t.is(base.get('B'), 'n', 'the base map is not modified');
});

const checks = [
  ['y', 'y', 'kept'],
  ['m', 'y', 'raised'],
  ['m', undefined, 'dropped'],
  ['y', 'm', 'changed'],
  ['y', 'n', 'dropped'],
  ['n', undefined, 'kept'],
  ['n', 'y', 'changed'],
  ['12', '12', 'kept'],
  ['12', '10', 'changed'],
] as const;
for (const [requested, final, expected] of checks) {
  test(`check: requested ${requested}, final ${final ?? 'absent'} → ${expected}`, (t) => {
    t.is(checkKconfigValue(requested, final), expected);
  });
}
