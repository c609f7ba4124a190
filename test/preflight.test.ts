import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BuildError, SpecError } from '../src/lib/errors.js';
import type { Run } from '../src/lib/exec.js';
import { checkHostTools, checkOutputDir, checkSources, runPreflight } from '../src/preflight.js';
import { applyDefaults } from '../src/spec/defaults.js';
import { makeSpec } from './_helpers/make-spec.js';

const fakeGcc: Run = () =>
  Promise.resolve({ stdout: 'gcc (Debian 12.2.0-14) 12.2.0\n', stderr: '', exitCode: 0 });

function withPath<T>(value: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = value;
  return fn().finally(() => {
    process.env.PATH = saved;
  });
}

test.serial('missing host tools are all reported, each with its Debian package', async (t) => {
  const problems = await withPath(mkdtempSync(path.join(tmpdir(), 'lvs-empty-path-')), () =>
    checkHostTools(),
  );
  const tools = problems.filter((p) => p.message.startsWith('host tool'));
  t.deepEqual(
    tools.map((p) => [p.message, p.hint]),
    [
      ['host tool make not found on PATH', 'apt-get install make'],
      ['host tool gcc not found on PATH', 'apt-get install gcc'],
    ],
  );
});

test.serial('a host problem fails preflight with a BuildError listing every problem', async (t) => {
  const spec = applyDefaults(makeSpec({ kernel: { source: { path: 'no/such/linux.tar.xz' } } }));
  const err = await withPath('/nonexistent', () =>
    t.throwsAsync(runPreflight(spec, 'images/x.yaml', tmpdir(), fakeGcc)),
  );
  t.true(err instanceof BuildError);
  t.regex(err?.message ?? '', /host tool make/);
  t.regex(err?.message ?? '', /\/kernel\/source\/path: no\/such\/linux\.tar\.xz does not exist/);
});

test('sources named by path must exist, relative to the spec file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-src-'));
  writeFileSync(path.join(dir, 'ipvsadm.tar.gz'), '');
  const spec = applyDefaults(
    makeSpec({
      kernel: { source: { path: 'linux.tar.xz' } },
      ipvsadm: { source: { path: 'ipvsadm.tar.gz' } },
    }),
  );
  const problems = await checkSources(spec, path.join(dir, 'site.yaml'));
  t.deepEqual(
    problems.map((p) => p.pointer),
    ['/kernel/source/path'],
  );
  t.is(problems[0]?.file, path.join(dir, 'site.yaml'));
});

test('a prebuilt kernel image must exist', async (t) => {
  const spec = applyDefaults(
    makeSpec({ kernel: { source: undefined, prebuilt: { vmlinuz: '/no/vmlinuz' } } }),
  );
  const problems = await checkSources(spec, 'site.yaml');
  t.deepEqual(
    problems.map((p) => p.pointer),
    ['/kernel/prebuilt/vmlinuz'],
  );
});

test('only spec problems: SpecError (exit 2)', async (t) => {
  const spec = applyDefaults(makeSpec({ kernel: { source: { path: '/no/linux.tar.xz' } } }));
  const err = await t.throwsAsync(runPreflight(spec, 'site.yaml', tmpdir(), fakeGcc));
  t.true(err instanceof SpecError);
});

test('output folder: a missing folder under a writable parent is fine; a file in the way is not', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-out-'));
  t.deepEqual(await checkOutputDir(path.join(dir, 'a/b/out')), []);
  writeFileSync(path.join(dir, 'file'), '');
  const problems = await checkOutputDir(path.join(dir, 'file/out'));
  t.is(problems.length, 1);
  t.regex(problems[0]?.message ?? '', /is not a folder/);
});

test('the compiler version is read for the manifest', async (t) => {
  const facts = await runPreflight(applyDefaults(makeSpec()), 'site.yaml', tmpdir(), fakeGcc);
  t.is(facts.compiler, 'gcc (Debian 12.2.0-14) 12.2.0');
});
