/**
 * `keepalived -t` on a rendered config, run by the built keepalived inside a throw-away network namespace whose
 * interfaces carry the director's interface names: keepalived checks that every interface a config names exists,
 * in `-t` mode too, and the build host's names are not the director's.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Run } from '../../lib/exec.js';
import { BuildError } from '../../lib/errors.js';
import { createLoneLink, labName, runInNetns, withNetns } from '../../lib/netns.js';

/** What keepalived said about a config it accepted (warnings), one line each. */
export interface ConfigTestResult {
  warnings: string[];
}

/** The lines keepalived printed, without blanks. Pure. */
export function complaintLines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Runs `binary -t -f configFile` in a fresh namespace with `interfaces` present; a non-zero exit is a
 * BuildError quoting keepalived's complaint. The namespace is deleted whatever happens.
 */
export async function testKeepalivedConfig(a: {
  binary: string;
  configFile: string;
  interfaces: readonly string[];
  run: Run;
  /** How the config is named in messages (e.g. `lv4:/etc/keepalived/keepalived.conf`); default the file. */
  label?: string;
}): Promise<ConfigTestResult> {
  // keepalived -t exits 0 on a config file that is not there ("Config files missing"): check it first.
  if (!existsSync(a.configFile))
    throw new BuildError(`${a.configFile}: no such file to check with keepalived -t`);
  const ns = labName('kat', randomBytes(3).toString('hex'));
  return withNetns(
    [ns],
    async () => {
      let i = 0;
      for (const ifname of a.interfaces) await createLoneLink(ns, ifname, `kat-peer${i++}`, a.run);
      const r = await runInNetns(
        ns,
        a.binary,
        ['-t', '-f', a.configFile],
        { reject: false, timeoutMs: 60_000 },
        a.run,
      );
      const lines = complaintLines(`${r.stdout}\n${r.stderr}`);
      if (r.exitCode !== 0) {
        throw new BuildError(
          `keepalived -t rejected ${a.label ?? a.configFile} (exit status ${r.exitCode}):\n  ${lines.join('\n  ') || '(no output)'}`,
          {
            hint: 'the rendered keepalived.conf is wrong for this keepalived: the lines above name what it refused',
          },
        );
      }
      return { warnings: lines };
    },
    a.run,
  );
}
