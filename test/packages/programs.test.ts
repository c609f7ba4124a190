/**
 * The program table (src/packages/programs.ts): each definition is its catalog's program, and every consumer
 * that maps over the table (plan, sources, lock, state, schema) sees it, so a new program that misses one
 * fails here by name.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { PROGRAMS, programVersions } from '../../src/packages/programs.js';
import { planImage } from '../../src/plan.js';
import { applyDefaults } from '../../src/spec/defaults.js';
import { SPEC_SCHEMA } from '../../src/spec/schema.js';
import { LOCKED_PROGRAMS } from '../../src/stages/lock/lock-file.js';
import { SOURCE_NAMES } from '../../src/stages/sources/plan.js';
import { loadSpec } from '../../src/spec/load.js';

for (const p of PROGRAMS) {
  test(`${p.name}: its catalog, spec pin, plan field, source and lock entry`, (t) => {
    t.is(p.catalog.name, p.name, 'the catalog names the program');
    t.true(existsSync(`src/packages/${p.name}.json`), `src/packages/${p.name}.json`);
    t.true(p.catalog.releases.length > 0);
    const properties = SPEC_SCHEMA.properties as Record<string, unknown>;
    t.truthy(properties[p.name], `the schema (src/spec/schema.ts) has no ${p.name} pin`);
    t.true(SOURCE_NAMES.includes(p.name));
    t.true(LOCKED_PROGRAMS.includes(p.name));
    t.true(p.manifestKey.length > 0);
  });
}

test('names and manifest keys are unique', (t) => {
  t.is(new Set(PROGRAMS.map((p) => p.name)).size, PROGRAMS.length);
  t.is(new Set(PROGRAMS.map((p) => p.manifestKey)).size, PROGRAMS.length);
});

test('the plan has a field per program: the release, link and directors that run it, or null', async (t) => {
  const checked = (await loadSpec('images/checked-example.yaml')).spec;
  const plan = planImage(checked);
  t.deepEqual(plan.keepalived, { version: '2.2.7', link: 'static', directors: ['lv4'] });
  t.deepEqual(plan.dropbear, { version: '2022.83', link: 'static', directors: ['lv4'] });
  t.deepEqual(plan.busybox, { version: '1.35.0', link: 'static', directors: ['lv4'] });
  const versions = programVersions(checked, plan.directors[0]!.model);
  t.deepEqual(
    Object.keys(versions),
    PROGRAMS.map((p) => p.name),
  );
  t.like(versions, { keepalived: '2.2.7', dropbear: '2022.83', busybox: '1.35.0' });
  const plain = (await loadSpec('images/dsas-lv1.yaml')).spec;
  for (const p of PROGRAMS) t.is(planImage(plain)[p.name], null, p.name);
  // A pin alone builds nothing: keepalived pinned, no health check, no pair.
  const pinned = applyDefaults({ ...plain, keepalived: { version: '2.2.7' } });
  t.is(planImage(pinned).keepalived, null);
});
