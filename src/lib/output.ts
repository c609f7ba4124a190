/** How the CLI talks to the user: plain or JSON results, colour only on a TTY without NO_COLOR. */

/** Global options every command sees. */
export interface OutputOptions {
  json?: boolean;
}

/** True when coloured output is allowed (a TTY, NO_COLOR unset). */
export function colorEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  const noColor = process.env.NO_COLOR;
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

/** Prints a machine-readable result on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
