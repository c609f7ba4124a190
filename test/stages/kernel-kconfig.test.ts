import test from 'ava';
import { readFileSync } from 'node:fs';
import {
  evalKconfigExpr,
  exprSymbols,
  parseKconfigExpr,
  requiredSymbols,
} from '../../src/stages/kernel/kconfig-expr.js';
import * as lib from '../../src/stages/kernel/kconfig-lang.js';
const { parseKconfigFile } = lib;
import { describeDroppedOption, findDroppedOptions } from '../../src/stages/kernel/verify.js';

const values = new Map([
  ['INET', 'y'],
  ['NETFILTER', 'y'],
  ['IP_VS', 'm'],
  ['IPV6', 'm'],
  ['NF_CONNTRACK', 'n'],
]);
const lookup = (s: string): string | undefined => values.get(s);

const exprs = [
  ['INET && NETFILTER', 2],
  ['INET && IP_VS', 1],
  ['NF_CONNTRACK || NF_CONNTRACK=n', 2],
  ['!IP_VS', 1],
  ['IPV6 = y || IP_VS = IPV6', 2],
  ['IPV6 = y', 0],
  ['(INET || MISSING) && !MISSING', 2],
  ['IP_VS != n', 2],
  ['m', 1],
] as const;
for (const [text, expected] of exprs) {
  test(`evaluates "${text}" to ${expected}`, (t) => {
    t.is(evalKconfigExpr(parseKconfigExpr(text), lookup), expected);
  });
}

test('expression symbols and the ones that must be on', (t) => {
  const e = parseKconfigExpr('IP_VS_PROTO_TCP && (NF_NAT || X) && !Y && Z=y');
  t.deepEqual(exprSymbols(e), ['IP_VS_PROTO_TCP', 'NF_NAT', 'X', 'Y', 'Z']);
  t.deepEqual(requiredSymbols(e), ['IP_VS_PROTO_TCP', 'Z']);
});

test('a malformed expression throws', (t) => {
  t.throws(() => parseKconfigExpr('A && (B'), { message: /missing "\)"/ });
});

test('parses config blocks with inherited if/menu conditions, skipping help text and comments', (t) => {
  const f = parseKconfigFile(readFileSync('test/fixtures/kernel/Kconfig.sample', 'utf8'), 'sample/Kconfig');
  const by = new Map(f.entries.map((e) => [e.symbol, e]));
  t.deepEqual(
    [...by.keys()],
    ['IP_VS', 'IP_VS_IPV6', 'IP_VS_TAB_BITS', 'IP_VS_PROTO_AH_ESP', 'IP_VS_FTP', 'EXAMPLE'],
  );
  t.deepEqual(by.get('IP_VS')!.depends, ['INET && NETFILTER', '(NF_CONNTRACK || NF_CONNTRACK=n)']);
  t.is(by.get('IP_VS')!.prompt, 'IP virtual server support');
  t.deepEqual(by.get('IP_VS_IPV6')!.depends, ['IPV6 = y || IP_VS = IPV6', 'IP_VS']);
  t.deepEqual(by.get('IP_VS_IPV6')!.selects, [{ symbol: 'NF_DEFRAG_IPV6' }]);
  t.deepEqual(by.get('IP_VS_TAB_BITS')!.defaults, [{ value: '12' }]);
  t.is(by.get('IP_VS_PROTO_AH_ESP')!.prompt, undefined);
  t.is(by.get('IP_VS_PROTO_AH_ESP')!.type, 'bool');
  t.deepEqual(by.get('IP_VS_FTP')!.depends, [
    'IP_VS_PROTO_TCP && NF_CONNTRACK && NF_NAT && NF_CONNTRACK_FTP',
    'IP_VS',
  ]);
  t.is(by.get('EXAMPLE')!.menu, 'Example menu');
  t.is(by.get('EXAMPLE')!.promptIf, 'EXPERT');
  t.deepEqual(by.get('EXAMPLE')!.depends, ['NET']);
  t.deepEqual(f.sources, ['net/other/Kconfig']);
  t.is(by.get('IP_VS_FTP')!.line, 28);
  t.is(by.get('EXAMPLE')!.line, 39);
});

test('a dropped option is explained by its unmet dependency and the symbols that are off', (t) => {
  const f = parseKconfigFile(
    readFileSync('test/fixtures/kernel/Kconfig.sample', 'utf8'),
    'net/netfilter/ipvs/Kconfig',
  );
  const entries = new Map(f.entries.map((e) => [e.symbol, [e]]));
  const final = new Map([
    ['IP_VS', 'y'],
    ['IP_VS_PROTO_TCP', 'y'],
    ['IP_VS_RR', 'y'],
  ]);
  const dropped = findDroppedOptions(
    [
      { symbol: 'IP_VS', value: 'm' },
      { symbol: 'IP_VS_IPV6', value: 'y' },
      { symbol: 'IP_VS_FTP', value: 'y' },
      { symbol: 'IP_VS_RR', value: 'y' },
    ],
    final,
    entries,
  );
  t.deepEqual(
    dropped.map((d) => d.symbol),
    ['IP_VS_IPV6', 'IP_VS_FTP'],
  );
  t.is(
    describeDroppedOption(dropped[0]!),
    'CONFIG_IP_VS_IPV6: requested y, final n (net/netfilter/ipvs/Kconfig:12): unmet dependency "depends on IPV6 = y || IP_VS = IPV6" — IPV6=n',
  );
  t.deepEqual(dropped[1]!.offSymbols, ['NF_CONNTRACK=n', 'NF_NAT=n', 'NF_CONNTRACK_FTP=n']);
});

test('a symbol no Kconfig defines says so', (t) => {
  const [d] = findDroppedOptions([{ symbol: 'NOPE', value: 'y' }], new Map(), new Map());
  t.is(describeDroppedOption(d!), 'CONFIG_NOPE: requested y, final n (no Kconfig in this tree defines it)');
});

test('continuation lines join and keep the line count', (t) => {
  const { joinContinuations } = lib;
  t.deepEqual(joinContinuations(['depends on A && \\', '\tB && \\', '\tC', 'x']), [
    'depends on A && B && C',
    '',
    '',
    'x',
  ]);
});
