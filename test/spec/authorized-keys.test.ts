/** authorized_keys lines of access.ssh: what is a bare public key, and the message for each way one is not. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { findDropbearRelease } from '../../src/packages/dropbear.js';
import { indexesOfKey, isKeyProblem, parseAuthorizedKey } from '../../src/spec/authorized-keys.js';

const TYPES = findDropbearRelease('2022.83').keyTypes;
const LAB = readFileSync('images/lab-keys/lab-operator.pub', 'utf8').trim();
const RSA =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCdNMIIrYyRt+cpBrsCZYvwpPgsyGbjBiKrvF91oB/GN6+EeNG0VaoTdI8iY4aceYYGr5ct595eTwbcSo/Lask4OktGTcMEHLjSzpTSiFWJ0mLJE+vCa/9YFboi+L7ZE3frptNl6/attJtDJAk3qNZgHr4RLHnlr9p5jXXZ9d0lqlYG+IwpH/le9ZNz18RfTeoecx1lAAYgGh7Ig80fI5emczvCgZ8siaO+Q/Mt+oRQHsZu7OVUDCmAZXB7dyk6sqFSAeBpxOhW2mHc1SiP/ZzMyiybivRlQKcpvFiYLB1x72IF/Sxy2/imLuLQUOooS6Rx0UhaqV2bNwStLIZGDRWb rsa-test';
const EC =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA49c8p+ga/LJat7g6sH3+HZSkziQRHdIcmk9wD7OzrU2JqfzuYpwtJ4zk8FnIFiu3uvVcM/7MqrfMQC+PimRRA= ec';

function problem(line: string): string {
  const k = parseAuthorizedKey(line, TYPES);
  return isKeyProblem(k) ? k.message : 'parsed';
}

test('a .pub line parses into type, key and comment', (t) => {
  const k = parseAuthorizedKey(LAB, TYPES);
  t.false(isKeyProblem(k));
  if (isKeyProblem(k)) return;
  t.is(k.type, 'ssh-ed25519');
  t.is(k.comment, 'lvs-image-lab-key-INSECURE');
  t.false(isKeyProblem(parseAuthorizedKey(EC, TYPES)), 'ecdsa');
  t.false(isKeyProblem(parseAuthorizedKey(RSA, TYPES)), 'rsa');
  t.false(isKeyProblem(parseAuthorizedKey(LAB.split(' ').slice(0, 2).join(' '), TYPES)), 'no comment');
});

test('each way a line is not a bare key has its own message', (t) => {
  const [type, blob] = LAB.split(' ') as [string, string];
  t.regex(problem('ssh-dss AAAAB3NzaC1kc3M='), /"ssh-dss" is not a key type dropbear accepts/);
  t.regex(problem(`from="10.0.0.1" ${LAB}`), /looks like authorized_keys options/);
  t.regex(problem(`no-pty,command="/bin/false" ${LAB}`), /looks like authorized_keys options/);
  t.regex(problem(type), /has the type ssh-ed25519 but no key after it/);
  t.regex(problem(`${type} ${blob.slice(0, 30)}`), /is not base64/);
  t.regex(problem(`${type} ${blob.slice(0, 40)}`), /the ssh-ed25519 key is cut short or has bytes too many/);
  const longer = Buffer.concat([Buffer.from(blob, 'base64'), Buffer.from([0, 0, 0, 0])]).toString('base64');
  t.regex(problem(`${type} ${longer}`), /cut short or has bytes too many/);
  t.regex(problem(`${type} not-base64!`), /is not base64/);
  t.regex(
    problem(`ecdsa-sha2-nistp256 ${blob}`),
    /the line says ecdsa-sha2-nistp256 but the key itself is ssh-ed25519/,
  );
  t.regex(problem(`${type} QUFBQQ==`), /but the key itself is no SSH key/);
  t.regex(problem(`${LAB}\n${EC}`), /line break/);
});

test('indexesOfKey finds a key by its blob, whatever the comment', (t) => {
  const blob = LAB.split(' ')[1] ?? '';
  t.deepEqual(indexesOfKey([EC, `ssh-ed25519 ${blob} someone else`], LAB), [1]);
  t.deepEqual(indexesOfKey([EC], LAB), []);
  t.deepEqual(indexesOfKey([EC], ''), []);
});
