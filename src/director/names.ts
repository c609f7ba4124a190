/**
 * Names that reach shell scripts (/init, ifupdown stanzas) are checked here as a last line of defence:
 * the spec rules reject them first, and nothing is ever escaped-and-hoped.
 */
import { SpecError } from '../lib/errors.js';

/** What a safe word of each kind looks like. */
const SAFE: Record<'interface' | 'hostname' | 'mac', RegExp> = {
  // Linux IFNAMSIZ is 16 with the NUL; `:` appears in alias labels such as eth0:100.
  interface: /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/,
  hostname: /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/,
  mac: /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/,
};

/** Returns `value` when it is a safe word of `kind`, else throws a SpecError naming `pointer`. */
export function checkName(kind: keyof typeof SAFE, value: string, pointer: string): string {
  if (!SAFE[kind].test(value)) {
    throw new SpecError({
      pointer,
      message: `${JSON.stringify(value)} is not a valid ${kind} name`,
      hint: 'use letters, digits and - _ . : only; such names reach the boot script unquoted',
    });
  }
  return value;
}
