/**
 * PCI modalias rules as modules.alias has them (`pci:v00008086d0000100Esv*sd*bc*sc*i*`): parsed into fields
 * and matched against a device, as modprobe's fnmatch would. Pure.
 *
 * scripts/mod/file2alias.c (do_pci_entry) writes every field either as full-width upper-case hex or as `*`
 * (PCI_ANY_ID, or a class mask of 0), so a field-wise match is the glob match; parsePciAlias refuses any other shape.
 */

/** The fields of one PCI alias rule; `undefined` is the `*` wildcard. Hex values are lower case, unpadded ids 4 digits. */
export interface PciAliasRule {
  vendor?: string;
  device?: string;
  subvendor?: string;
  subdevice?: string;
  /** Base class, 2 hex digits (`02` = network controller). */
  baseClass?: string;
  subClass?: string;
  progIf?: string;
}

/** A PCI function as lspci or sysfs shows it; a field lspci did not print is undefined (not known). */
export interface PciIdentity {
  vendor: string;
  device: string;
  subvendor?: string;
  subdevice?: string;
  /** Class and subclass, 4 hex digits (`0200` = Ethernet controller). */
  classCode: string;
  /** Programming interface, 2 hex digits; lspci prints it only when it is not 00. */
  progIf?: string;
}

/** How a rule relates to a device: it matches, it cannot match, or it needs a field lspci did not show. */
export type AliasMatch = 'match' | 'no' | 'unknown';

const FIELD = (width: number): string => `([0-9A-F]{${width}}|\\*)`;
const PCI_ALIAS = new RegExp(
  `^pci:v${FIELD(8)}d${FIELD(8)}sv${FIELD(8)}sd${FIELD(8)}bc${FIELD(2)}sc${FIELD(2)}i${FIELD(2)}$`,
);

/** Parses one `pci:` alias; undefined when it is not in file2alias's field-per-field shape. */
export function parsePciAlias(alias: string): PciAliasRule | undefined {
  const m = PCI_ALIAS.exec(alias);
  if (!m) return undefined;
  const field = (i: number, width: number): string | undefined => {
    const v = m[i];
    return v === undefined || v === '*' ? undefined : v.slice(-width).toLowerCase();
  };
  const rule: PciAliasRule = {};
  const set = (key: keyof PciAliasRule, v: string | undefined): void => {
    if (v !== undefined) rule[key] = v;
  };
  set('vendor', field(1, 4));
  set('device', field(2, 4));
  set('subvendor', field(3, 4));
  set('subdevice', field(4, 4));
  set('baseClass', field(5, 2));
  set('subClass', field(6, 2));
  set('progIf', field(7, 2));
  return rule;
}

/** The modalias string the kernel gives a device (sysfs `modalias`), with `*` where lspci showed no value. */
export function pciModalias(id: PciIdentity): string {
  const hex = (v: string | undefined, width: number): string =>
    v === undefined ? '*' : v.toUpperCase().padStart(width, '0');
  return (
    `pci:v${hex(id.vendor, 8)}d${hex(id.device, 8)}sv${hex(id.subvendor, 8)}sd${hex(id.subdevice, 8)}` +
    `bc${hex(id.classCode.slice(0, 2), 2)}sc${hex(id.classCode.slice(2, 4), 2)}i${hex(id.progIf ?? '00', 2)}`
  );
}

/** Matches a rule against a device field by field; a subsystem rule on a device without subsystem ids is 'unknown'. */
export function matchPciAlias(rule: PciAliasRule, id: PciIdentity): AliasMatch {
  const pairs: [string | undefined, string | undefined][] = [
    [rule.vendor, id.vendor],
    [rule.device, id.device],
    [rule.subvendor, id.subvendor],
    [rule.subdevice, id.subdevice],
    [rule.baseClass, id.classCode.slice(0, 2)],
    [rule.subClass, id.classCode.slice(2, 4)],
    [rule.progIf, id.progIf ?? '00'],
  ];
  let unknown = false;
  for (const [want, have] of pairs) {
    if (want === undefined) continue;
    if (have === undefined) unknown = true;
    else if (want !== have.toLowerCase()) return 'no';
  }
  return unknown ? 'unknown' : 'match';
}
