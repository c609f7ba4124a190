/**
 * authorized_keys lines as the spec gives them (`access.ssh.authorizedKeys`): one bare public key each, `type
 * base64 [comment]`, as in a .pub file. Parsed far enough to refuse what sshd or dropbear would silently skip: an
 * unknown type, base64 that does not decode, a blob whose own type differs from the line's. Pure.
 */

/** A parsed key line. */
export interface AuthorizedKey {
  type: string;
  /** The key blob, base64 as written. */
  base64: string;
  comment: string;
}

/** Why a line is not a key: the message and the fix. */
export interface KeyProblem {
  message: string;
  hint: string;
}

const PASTE_HINT =
  'paste one line of a .pub file, e.g. `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... you@host` (ssh-keygen -t ed25519 makes one)';

/** The key type an SSH wire-format blob names in its first string (uint32 length, bytes), or null. */
export function blobKeyType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return null;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** The strings of an SSH wire-format blob (RFC 4251 `string`s end to end), or null when one runs past the end. */
export function blobStrings(blob: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return null;
    const n = blob.readUInt32BE(at);
    if (at + 4 + n > blob.length) return null;
    out.push(blob.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** How many strings a public key blob of each type holds (RFC 4253, 5656, 8709; OpenSSH PROTOCOL.u2f). */
const BLOB_STRINGS: Readonly<Record<string, number>> = {
  'ssh-ed25519': 2,
  'ssh-rsa': 3,
  'ecdsa-sha2-nistp256': 3,
  'ecdsa-sha2-nistp384': 3,
  'ecdsa-sha2-nistp521': 3,
  'sk-ssh-ed25519@openssh.com': 3,
  'sk-ecdsa-sha2-nistp256@openssh.com': 4,
};

/** Parses one line; a KeyProblem when it is not a bare public key of one of `types`. */
export function parseAuthorizedKey(line: string, types: readonly string[]): AuthorizedKey | KeyProblem {
  if (/[\r\n]/.test(line)) return { message: 'holds a line break: one key per list item', hint: PASTE_HINT };
  const [type = '', base64 = '', ...rest] = line.trim().split(/[ \t]+/);
  if (!types.includes(type)) {
    const options = /^[a-z-]+(=|,|$)/i.test(type) && !type.includes('ssh') && !type.includes('ecdsa');
    return options && base64 !== ''
      ? {
          message: `starts with "${type}", which looks like authorized_keys options; lvs-image takes bare keys`,
          hint: 'drop the options (from=, command=, ...): the key line starts with its type',
        }
      : {
          message: `"${type}" is not a key type dropbear accepts (${types.join(', ')})`,
          hint: PASTE_HINT,
        };
  }
  if (base64 === '') return { message: `has the type ${type} but no key after it`, hint: PASTE_HINT };
  const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64') : null;
  if (blob === null || blob.toString('base64') !== base64)
    return { message: `the key after ${type} is not base64 (cut or mistyped?)`, hint: PASTE_HINT };
  const inner = blobKeyType(blob);
  if (inner !== type)
    return {
      message: `the line says ${type} but the key itself is ${inner === null ? 'no SSH key' : inner}`,
      hint: 'copy the line again from the .pub file: type and key must belong together',
    };
  const strings = blobStrings(blob);
  const want = BLOB_STRINGS[type];
  const ed25519 = type.includes('ed25519') ? strings?.[1]?.length === 32 : true;
  if (strings === null || (want !== undefined && strings.length !== want) || !ed25519)
    return { message: `the ${type} key is cut short or has bytes too many`, hint: PASTE_HINT };
  return { type, base64, comment: rest.join(' ') };
}

/** True when parseAuthorizedKey gave a problem. */
export function isKeyProblem(k: AuthorizedKey | KeyProblem): k is KeyProblem {
  return 'message' in k;
}

/** The indexes of `authorizedKeys` that hold the key of `publicKey` (a .pub line; compared by key blob). */
export function indexesOfKey(authorizedKeys: readonly string[], publicKey: string): number[] {
  const blob = (line: string): string => line.trim().split(/[ \t]+/)[1] ?? '';
  const wanted = blob(publicKey);
  return authorizedKeys.flatMap((k, i) => (wanted !== '' && blob(k) === wanted ? [i] : []));
}
