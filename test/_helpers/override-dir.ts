/** A fresh folder of override templates (`--templates`), relative path → template text. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes `files` into a new temporary folder and returns it; the caller removes it. */
export function overrideDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lvs-templates-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
