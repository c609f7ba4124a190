import test from 'ava';
import { rulesModeTable } from '../../src/boot-test/rules-mode.js';
import { resolveDirector } from '../../src/director/resolve.js';
import { planImage } from '../../src/plan.js';
import { loadSpec } from '../../src/spec/load.js';
import type { Spec, VirtualService } from '../../src/spec/types.js';
import { renderFiles } from '../../src/stages/render.js';

const mixed = (await loadSpec('images/mixed-example.yaml')).spec;
const tableOf = (spec: Spec) => rulesModeTable(resolveDirector(spec, spec.directors[0]!));

function withoutChecks({ healthCheck: _h, sorryServer: _s, ...service }: VirtualService): VirtualService {
  return { ...service, realServers: service.realServers.map(({ healthCheck: _m, ...member }) => member) };
}

test('mixed-example: the table is the /etc/ipvsadm.rules a rules-mode build of the same spec writes', (t) => {
  const table = tableOf(mixed);
  t.truthy(table);
  // The same spec with the checks taken out is a rules-mode director: /init loads this file.
  const rules = structuredClone(mixed);
  rules.directors[0]!.services = rules.directors[0]!.services.map(withoutChecks);
  const [director] = planImage(rules).directors;
  t.is(director?.model.mode, 'rules');
  const file = renderFiles(director!.files).find((f) => f.path === '/etc/ipvsadm.rules');
  t.is(table, file?.content);
  t.regex(table ?? '', /^-A -f 7 -s wlc -p 600$/m);
});

const variant = (edit: (s: Spec) => void): Spec => {
  const s = structuredClone(mixed);
  edit(s);
  return s;
};

test('a director that runs a checker, has a sorry server, or is in rules mode has none', async (t) => {
  const services = (s: Spec) => s.directors[0]!.services;
  t.is(tableOf(variant((s) => (services(s)[0]!.realServers[1]!.healthCheck = { type: 'tcp' }))), undefined);
  t.is(tableOf(variant((s) => (services(s)[2]!.healthCheck = { type: 'tcp' }))), undefined);
  t.is(tableOf(variant((s) => (services(s)[0]!.sorryServer = { server: 'd511' }))), undefined);
  // A member's `type: none` switches the service's check off for that member.
  const overridden = variant((s) => {
    const svc = services(s)[0]!;
    svc.healthCheck = { type: 'tcp' };
    for (const m of svc.realServers) m.healthCheck = { type: 'none' };
  });
  t.is(tableOf(overridden), tableOf(mixed));
  t.is(tableOf((await loadSpec('images/dsas-lv1.yaml')).spec), undefined, 'rules mode');
  t.is(tableOf((await loadSpec('images/checked-example.yaml')).spec), undefined, 'HTTP checks');
});
