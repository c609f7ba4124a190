/** Text renderings of boot-test results: a table of checks, and the details of what failed. Pure. */
import type { BootTestResult } from './index.js';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - text.length));
}

/** One row per check and boot: director, boot path, check, verdict, detail; plus each boot's time. */
export function formatBootTable(results: readonly BootTestResult[]): string {
  const rows = results.flatMap((r) => [
    ...r.checks.map((c) => [r.hostname, r.via, c.name, c.ok ? 'ok' : 'FAIL', c.detail]),
    ...(r.mustFail === true
      ? []
      : [
          [
            r.hostname,
            r.via,
            'boot time',
            r.bootMs !== undefined ? 'ok' : 'FAIL',
            r.bootMs !== undefined
              ? `${(r.bootMs / 1000).toFixed(1)} s to ${r.bootEnd === undefined ? "/init's last boot line" : `the ${r.bootEnd} line`}`
              : 'never ready',
          ],
        ]),
  ]);
  const header = ['director', 'via', 'check', 'result', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string =>
    row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** What failed, with diffs and the console log of each failing boot; '' when everything passed. */
export function formatBootFailures(results: readonly BootTestResult[]): string {
  const parts = results
    .filter((r) => !r.ok)
    .map((r) => {
      const failed = r.checks.filter((c) => !c.ok);
      const lines = failed.map(
        (c) =>
          `  ${c.name}: ${c.detail}${c.diff !== undefined ? `\n${c.diff.replace(/^/gm, '    ').trimEnd()}` : ''}`,
      );
      return `${r.hostname} (${r.via} boot): ${failed.length} check${failed.length === 1 ? '' : 's'} failed\n${lines.join('\n')}\n  console log: ${r.consoleLog}`;
    });
  return parts.join('\n');
}
