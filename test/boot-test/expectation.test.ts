import test from 'ava';
import { rmSync } from 'node:fs';
import { bootExpectation, countRules, unansweredTable } from '../../src/boot-test/expectation.js';
import { resolveDirector } from '../../src/director/resolve.js';
import { sha256 } from '../../src/lib/fs.js';
import { planImage } from '../../src/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import { DEFAULT_TEMPLATES_DIR, renderFiles } from '../../src/stages/render.js';
import { overrideDir } from '../_helpers/override-dir.js';

/** keepalived's table with no real server answering: [spec, [server, weight] per service]. */
const UNANSWERED: [string, string, [string, number][][]][] = [
  [
    // tcp/80: w101 quiesced, w102 removed (tcp check, remove), w103 unchecked at weight 1: no sorry server.
    // tcp/443: both removed, no sorry server configured.
    'remove leaves members out, an unchecked member with weight keeps the sorry server out',
    'test/fixtures/keepalived/every-option.yaml',
    [
      [
        ['w101', 0],
        ['w103', 1],
      ],
      [],
    ],
  ],
  [
    'every member quiesced puts the sorry server in at weight 1',
    'images/checked-example.yaml',
    [
      [
        ['w101', 0],
        ['w102', 0],
        ['sorry', 1],
      ],
    ],
  ],
];
for (const [title, file, expected] of UNANSWERED) {
  test(`unanswered table: ${title}`, async (t) => {
    const { spec } = await loadSpec(file);
    const table = unansweredTable(resolveDirector(spec, spec.directors[0]!).ipvs.services);
    t.deepEqual(
      table.slice(0, expected.length).map((svc) => svc.dests.map((d) => [d.server, d.weight])),
      expected,
    );
    t.false(
      table.some((svc) => 'checks' in svc || 'sorry' in svc),
      'the table is in ipvsadm terms only',
    );
  });
}

const COUNTS: [string, { services: number; realServers: number }][] = [
  ['-A -f 1 -s rr\n-a -f 1 -r 10.0.0.1:0 -g -w 1\n-A -t 1.2.3.4:80 -s lc\n', { services: 2, realServers: 1 }],
  ['', { services: 0, realServers: 0 }],
  ['-e -t 1.2.3.4:80 -r 10.0.0.1:80 -m -w 1 -x 5 -y 1\n', { services: 0, realServers: 0 }],
];
for (const [rules, counts] of COUNTS) {
  test(`ready-line counts come from -A and -a lines: ${JSON.stringify(rules).slice(0, 40)}`, (t) => {
    t.deepEqual(countRules(rules), counts);
  });
}

test('an image built with --templates is held to its own rules, netfilter and keepalived.conf', async (t) => {
  const { spec } = await loadSpec('images/fwmark-example.yaml');
  const [d] = planImage(spec).directors;
  const dir = overrideDir({
    'director/etc/ipvsadm.rules.hbs': '{{#each ipvsadmRules}}{{#if @first}}{{this}}\n{{/if}}{{/each}}',
    'director/etc/iptables.rules.hbs': '*mangle\nCOMMIT\n',
  });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const stock = bootExpectation(d!.model, renderFiles(d!.files));
  const own = bootExpectation(d!.model, renderFiles(d!.files, DEFAULT_TEMPLATES_DIR, dir));
  t.is(own.rules, `${d!.model.ipvs.rules[0]}\n`);
  t.is(own.services, 1);
  t.is(own.realServers, 0);
  t.is(own.netfilter, '*mangle\nCOMMIT\n');
  t.not(stock.rules, own.rules);
  t.is(stock.rules, d!.model.ipvs.rules.map((l) => `${l}\n`).join(''));
});

test("keepalived mode: the unanswered table in the spec dialect, and the hash of the image's keepalived.conf", async (t) => {
  const { spec } = await loadSpec('images/checked-example.yaml');
  const [d] = planImage(spec).directors;
  const rendered = renderFiles(d!.files);
  const conf = rendered.find((f) => f.path === '/etc/keepalived/keepalived.conf');
  const e = bootExpectation(d!.model, rendered);
  t.is(e.keepalivedConfSha256, sha256(conf?.content ?? 'missing'));
  t.deepEqual([e.mode, e.services, e.realServers], ['keepalived', 1, 3]);
  t.deepEqual(e.ssh, { listen: ['192.168.31.11:22'] });
  t.deepEqual(e.daemons, ['watchdog', 'syslogd', 'klogd', 'ntpd', 'dropbear', 'keepalived', 'httpd']);
});
