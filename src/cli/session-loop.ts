/**
 * The parts of a command-line session run shared by `ionto run` and `ionto home session`: the operator's keys
 * (p pause, r resume, q or Ctrl-C stop with a ramp-down; a second Ctrl-C leaves at once) and the pacing of a simulated
 * session against the wall clock.
 */
import type { OperatorCommand } from '../engine/session-machine.js';
import type { SessionReport, SessionRun } from '../engine/session-runner.js';
import { EXIT } from './cli-errors.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

export interface OperatorKeys {
  /** The command given since the last call, once (the engine polls it every control period). */
  take(): OperatorCommand | undefined;
  /** Starts listening: raw keys on a terminal (unless `keys` is false) and Ctrl-C. */
  listen(): void;
  /** Stops listening and gives the terminal back. */
  dispose(): void;
}

export function operatorKeys(stdin: NodeJS.ReadStream | undefined, keys: boolean): OperatorKeys {
  let operator: OperatorCommand | undefined;
  let interrupts = 0;
  const onKey = (buf: Buffer): void => {
    const k = buf.toString();
    if (k === 'p') operator = 'pause';
    else if (k === 'r') operator = 'resume';
    else if (k === 'q' || k === '\u0003') {
      operator = 'abort';
      if (k === '\u0003' && ++interrupts >= 2) process.exit(EXIT.aborted);
    }
  };
  const onSigint = (): void => {
    operator = 'abort';
    if (++interrupts >= 2) process.exit(EXIT.aborted);
  };
  const raw = keys && stdin?.isTTY === true;
  return {
    take: () => {
      const op = operator;
      operator = undefined;
      return op;
    },
    listen: () => {
      if (raw) {
        stdin.setRawMode(true);
        stdin.resume();
        stdin.on('data', onKey);
      }
      process.on('SIGINT', onSigint);
    },
    dispose: () => {
      process.off('SIGINT', onSigint);
      if (raw) {
        stdin.off('data', onKey);
        stdin.setRawMode(false);
        stdin.pause();
      }
    },
  };
}

/** Runs a simulated session paced against the wall clock (`speed` × real time) or as fast as possible. */
export async function pace(run: SessionRun, speed: number | 'max', redraw: () => void): Promise<SessionReport> {
  const period = run.engineConfig.plan.controlPeriod;
  if (speed === 'max') {
    while (!run.done) {
      run.advance(5000);
      redraw();
      await yieldNow();
    }
    return run.report();
  }
  const start = performance.now();
  while (!run.done) {
    const due = Math.floor(((performance.now() - start) * speed) / period);
    const now = Math.floor(run.elapsed / period);
    if (due > now) run.advance(due - now);
    redraw();
    await tick(Math.max(10, Math.min(100, period / speed)));
  }
  return run.report();
}
