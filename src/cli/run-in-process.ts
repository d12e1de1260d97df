import type { CliIo } from './main.js';
import { main } from './main.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Run the command line in this process, as `bin/ionto` does, with its output captured (not a terminal). For tests
 * and scripts; `now` fixes the clock of the commands that read it, `stdin` feeds the ones that ask questions.
 */
export async function runInProcess(
  argv: readonly string[],
  options: { readonly now?: () => Date; readonly stdin?: NodeJS.ReadStream; readonly stdout?: NodeJS.WriteStream } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    ({ write: (s: string) => (f(s), true), isTTY: false }) as unknown as NodeJS.WriteStream;
  const io: CliIo = {
    stdout: options.stdout ?? sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(options.now ? { now: options.now } : {}),
  };
  const code = await main(argv, io);
  return { code, out, err };
}
