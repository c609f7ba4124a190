/**
 * The check modules that read the director's console or log in to it, against fakes: the listeners (netstat),
 * NTP (a clock read with `date +%s`), SSH (a login function answering as dropbear does), the VIP.
 */
import test from 'ava';
import { VIP_PRESENT } from '../../../src/lab/checks/answers.js';
import { judgeListeners } from '../../../src/lab/checks/listeners.js';
import { NTP } from '../../../src/lab/checks/ntp.js';
import { sshChecks } from '../../../src/lab/checks/ssh.js';
import type { CheckContext } from '../../../src/lab/checks/types.js';
import type { LabOps } from '../../../src/lab/plan/types.js';
import type { RunResult } from '../../../src/lib/exec.js';
import { kernelLine } from '../../../src/lab/checks/syslog.js';

const OPS: LabOps = {
  host: { ns: 'ops', peer: 'x', bridge: 'x', cidr: '192.168.31.250/24' },
  syslog: { address: '192.168.31.250', port: 514 },
  metrics: { url: 'http://192.168.31.11:9100/cgi-bin/metrics' },
  ssh: { hostname: 'lv4', listen: [{ address: '192.168.31.11', port: 22 }] },
  scan: [],
};

/** A console that answers each command with `reply(command)`. */
function consoleCtx(reply: (command: string) => string, ops: LabOps = OPS): CheckContext {
  const guest = { console: { run: (c: string) => Promise.resolve({ output: reply(c), status: 0 }) } };
  return {
    plan: { ops, target: { vip: '10.10.31.100', port: 80 } },
    workDir: '/nonexistent',
    guest,
  } as unknown as CheckContext;
}

test("listeners: the inside address, loopback, SSH where it listens and syslogd's one send socket pass; others fail", (t) => {
  const netstat = [
    'Proto Recv-Q Send-Q Local Address           Foreign Address         State',
    'tcp        0      0 192.168.31.11:9100      0.0.0.0:*               LISTEN',
    'tcp        0      0 192.168.31.11:22        0.0.0.0:*               LISTEN',
    'tcp        0      0 127.0.0.1:8080          0.0.0.0:*               LISTEN',
    'udp        0      0 0.0.0.0:41234           0.0.0.0:*',
  ].join('\n');
  t.true(judgeListeners(netstat, OPS).ok);
  const outside = `${netstat}\ntcp        0      0 10.10.31.11:22          0.0.0.0:*               LISTEN\nudp        0      0 0.0.0.0:40000           0.0.0.0:*`;
  const c = judgeListeners(outside, OPS);
  t.false(c.ok);
  t.is(c.detail, 'listening elsewhere: tcp 10.10.31.11:22; udp 0.0.0.0:40000');
});

test('NTP: a clock within 2 s of the host passes; the step line is read from the log host', async (t) => {
  const ops = { ...OPS, ntp: { served: ['192.168.31.250'], elsewhere: ['172.16.0.1'] } };
  delete ops.syslog;
  const ctx = consoleCtx(() => `${Math.round(Date.now() / 1000)}\n`, ops);
  const [c] = await NTP.run(ctx);
  t.true(c?.ok, c?.detail);
  t.regex(c?.detail ?? '', /^within \d\.\d s of the host \(172\.16\.0\.1 not reachable in the lab\)$/);
  const none = await NTP.run(
    consoleCtx(() => '0\n', { ...ops, ntp: { served: [], elsewhere: ['172.16.0.1'] } }),
  );
  t.false(none[0]?.ok);
});

test('VIP on the director: found on its label, or missing', async (t) => {
  const ip =
    '2: eth0: <UP>\n    inet 10.10.31.11/24 brd 10.10.31.255 scope global eth0\n    inet 10.10.31.100/32 scope global eth0:100\n';
  t.deepEqual(
    (await VIP_PRESENT.run(consoleCtx(() => ip))).map((c) => [c.ok, c.detail]),
    [[true, '10.10.31.100 on eth0:100']],
  );
  t.deepEqual(
    (await VIP_PRESENT.run(consoleCtx(() => ''))).map((c) => [c.ok, c.detail]),
    [[false, '10.10.31.100 missing']],
  );
});

const result = (exitCode: number, stdout: string, stderr = ''): RunResult => ({ exitCode, stdout, stderr });

test('SSH: key login with a terminal, publickey only, an unknown key refused; a password method fails the check', async (t) => {
  const dropbear = (args: string[]): Promise<RunResult> => {
    if (args.includes('-tt'))
      return Promise.resolve(result(0, 'lv4\r\n/dev/pts/0\r\nIP Virtual Server version 1.2.1\r\n'));
    if (args.includes('-v'))
      return Promise.resolve(
        result(
          255,
          '',
          'debug1: Authentications that can continue: publickey\nroot@192.168.31.11: Permission denied (publickey).',
        ),
      );
    return Promise.resolve(result(255, '', 'root@192.168.31.11: Permission denied (publickey).'));
  };
  const peer = { ssh: OPS.ssh!, known: 'k', key: 'a', stranger: 'b' };
  const ok = await sshChecks({ ...peer, login: dropbear });
  t.deepEqual(
    ok.map((c) => [c.name, c.ok]),
    [
      ['SSH 192.168.31.11:22: root logs in with the authorized key, host key as published', true],
      ['SSH 192.168.31.11:22: no password login', true],
      ['SSH 192.168.31.11:22: an unknown key is refused', true],
    ],
  );
  const lax = (args: string[]): Promise<RunResult> =>
    args.includes('-v')
      ? Promise.resolve(result(255, '', 'debug1: Authentications that can continue: publickey,password'))
      : dropbear(args);
  const bad = await sshChecks({ ...peer, login: lax });
  t.deepEqual(
    bad.map((c) => c.ok),
    [true, false, true],
  );
  t.is(bad[1]?.detail, 'the server offers publickey, password; exit 255');
});

test('syslog kernelLine: a klogd line with or without the printk time stamp, not another sender', (t) => {
  const linux = kernelLine('Linux version ');
  t.true(linux.test('<5>Jan  1 00:00:07 kernel: Linux version 6.1.192 (lvs-image@lvs-image)'));
  t.true(linux.test('<5>Jan  1 00:00:07 kernel: [    0.000000] Linux version 6.1.192 (lvs-image@lvs-image)'));
  t.false(linux.test('<13>Jan  1 00:00:07 lvs-image: kernel Linux version 6.1'));
  const ipvs = kernelLine('IPVS: ');
  t.true(
    ipvs.test(
      '<6>Jan  1 00:00:07 kernel: [    0.845486] IPVS: Registered protocols (TCP, UDP, SCTP, AH, ESP)',
    ),
  );
  t.false(ipvs.test('<6>Jan  1 00:00:07 kernel: [    0.845486] IPVSX: no'));
});
