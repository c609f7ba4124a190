/** A small unified line diff for short texts (rule listings), so a mismatch names the lines that differ. */

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Edit script from `a` to `b` by longest common subsequence (fine for the few hundred lines of a rule set). */
function editScript(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) ops.push({ kind: ' ', line: a[i++]!, a: i, b: ++j });
    else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
      ops.push({ kind: '-', line: a[i++]!, a: i, b: j });
    else ops.push({ kind: '+', line: b[j++]!, a: i, b: j });
  }
  return ops;
}

function hunkHeader(ops: Op[]): string {
  const first = ops[0]!;
  const aLines = ops.filter((o) => o.kind !== '+').length;
  const bLines = ops.filter((o) => o.kind !== '-').length;
  // Line numbers are 1-based; an empty side names the line before the change, as GNU diff does.
  const aStart = first.kind === '+' ? first.a + 1 : first.a;
  const bStart = first.kind === '-' ? first.b + 1 : first.b;
  const range = (s: number, count: number): string => `${count === 0 ? s - 1 : s},${count}`;
  return `@@ -${range(aStart, aLines)} +${range(bStart, bLines)} @@`;
}

/** Unified diff of two texts with `context` lines around changes; '' when they are equal. */
export function unifiedDiff(
  expected: string,
  actual: string,
  labels: { expected: string; actual: string },
  context = 3,
): string {
  const ops = editScript(splitLines(expected), splitLines(actual));
  const changed = ops.map((o, k) => (o.kind !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  const out = [`--- ${labels.expected}`, `+++ ${labels.actual}`];
  let k = 0;
  while (k < changed.length) {
    const from = Math.max(0, changed[k]! - context);
    let to = Math.min(ops.length - 1, changed[k]! + context);
    while (k + 1 < changed.length && changed[k + 1]! - context <= to + 1) {
      k++;
      to = Math.min(ops.length - 1, changed[k]! + context);
    }
    const hunk = ops.slice(from, to + 1);
    out.push(hunkHeader(hunk), ...hunk.map((o) => `${o.kind}${o.line}`));
    k++;
  }
  return `${out.join('\n')}\n`;
}
