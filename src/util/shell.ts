/** One argument quoted for a POSIX shell: left bare when it is safe, else in single quotes. */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line that a POSIX shell runs with exactly these arguments. */
export function shellCommand(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}
