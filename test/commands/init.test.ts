import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, runCli } from '../_helpers/cli.js';

const REFERENCE = readFileSync(path.join(ROOT, 'images/dsas-lv1.yaml'), 'utf8');
const REFERENCE_HINT = '# Check it with `lvs-image validate images/dsas-lv1.yaml`.\n';

/** The reference spec with its validate hint naming `name` instead of images/dsas-lv1.yaml. */
function referenceNaming(name: string): string {
  if (!REFERENCE.includes(REFERENCE_HINT)) throw new Error('images/dsas-lv1.yaml lost its validate hint');
  return REFERENCE.replace(REFERENCE_HINT, `# Check it with \`lvs-image validate ${name}\`.\n`);
}

test('init without FILE prints the starter spec, its hint naming FILE', (t) => {
  const r = runCli(['init']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, referenceNaming('FILE'));
});

test('init FILE writes a spec that validates and whose comment names FILE', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-init-'));
  const r = runCli(['init', 'site.yaml'], { cwd: dir });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, 'site.yaml: written; check it with `lvs-image validate site.yaml`\n');
  const written = readFileSync(path.join(dir, 'site.yaml'), 'utf8');
  t.is(written, referenceNaming('site.yaml'));
  t.false(written.includes('images/dsas-lv1.yaml'));
  const v = runCli(['validate', 'site.yaml'], { cwd: dir });
  t.is(v.stdout, 'site.yaml: ok (1 director, 1 service, 2 real servers)\n');
});

test('init names a path with a folder and a space as the shell needs it', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-init-'));
  mkdirSync(path.join(dir, 'my sites'));
  const r = runCli(['init', 'my sites/lb.yaml'], { cwd: dir });
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, "my sites/lb.yaml: written; check it with `lvs-image validate 'my sites/lb.yaml'`\n");
  t.is(readFileSync(path.join(dir, 'my sites/lb.yaml'), 'utf8'), referenceNaming("'my sites/lb.yaml'"));
  const v = runCli(['validate', 'my sites/lb.yaml'], { cwd: dir });
  t.is(v.status, 0, v.stderr);
});

test('init refuses a file name with a line break (exit 2, nothing written)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-init-'));
  const r = runCli(['init', 'a\nb.yaml'], { cwd: dir });
  t.is(r.status, 2);
  t.regex(r.stderr, /the file name has a line break/);
  t.throws(() => readFileSync(path.join(dir, 'a\nb.yaml')));
});

test('init refuses to overwrite an existing file (exit 2, file untouched)', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-init-'));
  writeFileSync(path.join(dir, 'mine.yaml'), 'keep me\n');
  const r = runCli(['init', 'mine.yaml'], { cwd: dir });
  t.is(r.status, 2);
  t.regex(r.stderr, /^mine\.yaml: already exists; init never overwrites a file\n/);
  t.is(readFileSync(path.join(dir, 'mine.yaml'), 'utf8'), 'keep me\n');
});

test('init --help', (t) => {
  const r = runCli(['init', '--help']);
  t.is(r.status, 0);
  t.regex(r.stdout, /Usage: lvs-image init \[options\] \[file\]/);
});
