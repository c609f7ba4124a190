import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSpecReference } from '../../src/spec/reference.js';
import { RULE_SUMMARIES, RULES, WARNING_RULES } from '../../src/spec/rules.js';
import { SPEC_SCHEMA } from '../../src/spec/schema.js';
import { ROOT } from '../_helpers/cli.js';

const DOC = path.join(ROOT, 'docs/spec-reference.md');

test('docs/spec-reference.md is generated from the schema and up to date', (t) => {
  const text = renderSpecReference(SPEC_SCHEMA, RULE_SUMMARIES);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(DOC, text);
  t.is(readFileSync(DOC, 'utf8'), text, 'run UPDATE_GOLDEN=1 npx ava test/spec/reference.test.ts');
});

test('the reference lists every field with its description', (t) => {
  const text = renderSpecReference(SPEC_SCHEMA);
  t.regex(
    text,
    /\| `scheduler` \| `rr` \\\| `wrr` .* \| {2}\| IPVS scheduler \(`-s`\); ipvsadm's default is `wlc`\. \|/,
  );
  t.regex(text, /## kernelPin\n/);
  t.regex(text, /\| `debian` \| string \| yes \|/);
  t.regex(text, /\| ifname \| must be a Linux interface name/);
});

test('every rule has a summary in the reference, and every summary a rule', (t) => {
  t.deepEqual(Object.keys(RULE_SUMMARIES).sort(), [...RULES, ...WARNING_RULES].map((r) => r.name).sort());
});
