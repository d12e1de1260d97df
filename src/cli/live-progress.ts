import cliProgress from 'cli-progress';
import type { SessionEvent } from '../engine/events.js';
import type { SessionRun } from '../engine/session-runner.js';
import { isTerminal } from '../engine/session-machine.js';
import { catalogue } from '../errors/catalogue.js';

export const clock = (seconds: number): string => {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
};

const MARK: Record<string, string> = { fault: '✖', pause: '‖', warning: '!', limit: '▼', info: '·', error: '✖' };

export const describeEvent = (e: SessionEvent): string =>
  `${clock(e.t / 1000).padStart(6)}  ${MARK[catalogue[e.code].severity] ?? '·'} ${e.message}  [${e.code}]`;

/**
 * The live view of a session on a terminal: a progress bar of the dose with phase, current, voltage, load and time
 * left, and the session's events printed above it as they happen. Without a terminal it prints only the events.
 */
export class LiveProgress {
  private readonly multi: cliProgress.MultiBar | undefined;
  private readonly bar: cliProgress.SingleBar | undefined;

  constructor(
    private readonly run: SessionRun,
    private readonly out: NodeJS.WriteStream,
  ) {
    if (out.isTTY) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: out,
          format:
            ' {phase} {bar} {percentage}% | {current} mA of {target} | {voltage} V | {load} | {dose}/{doseTarget} mA·min | {left} left',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: false,
          autopadding: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multi.create(100, 0, this.payload());
    }
  }

  private payload(): Record<string, string> {
    const s = this.run.state;
    const plan = this.run.engineConfig.plan;
    const delivered = s.deliveredMAms / 60_000;
    const remaining = Math.max(0, plan.dose - delivered);
    // Treatment time still to come at the target current (a pause stops the clock, it does not stretch it).
    const left = plan.endOn === 'dose' ? (remaining / plan.target) * 60 : plan.duration - s.treatedMs / 1000;
    const over = isTerminal(s.phase);
    const tel = this.run.lastTelemetry;
    const i = tel ? Math.abs(tel.current) : 0;
    const v = tel ? Math.abs(tel.voltage) : 0;
    return {
      phase: s.phase.padEnd(13),
      current: i.toFixed(2).padStart(5),
      target: plan.target.toFixed(1),
      voltage: v.toFixed(1).padStart(4),
      load: i >= 0.05 ? `${(((v / i) * 1000) / 1000).toFixed(2)} kΩ` : 'open   ',
      dose: delivered.toFixed(1),
      doseTarget: plan.dose.toFixed(1),
      left: over ? '—' : clock(left),
    };
  }

  event(e: SessionEvent): void {
    const line = describeEvent(e);
    if (this.multi) this.multi.log(line + '\n');
    else this.out.write(line + '\n');
  }

  update(): void {
    if (!this.bar) return;
    const plan = this.run.engineConfig.plan;
    const progress =
      plan.endOn === 'dose'
        ? this.run.state.deliveredMAms / 60_000 / plan.dose
        : this.run.state.treatedMs / 1000 / plan.duration;
    this.bar.update(Math.min(100, Math.floor(progress * 100)), this.payload());
  }

  stop(): void {
    if (this.multi) {
      this.update();
      this.multi.stop();
    }
  }
}

/** A bar that counts items (patients, wearers) with the time left, on the given stream. */
export const countBar = (stream: NodeJS.WriteStream, label: string, unit = ''): cliProgress.SingleBar =>
  new cliProgress.SingleBar(
    {
      stream,
      format: ` ${label} {bar} {percentage}% | {value}/{total}${unit ? ` ${unit}` : ''} | {eta_formatted} left`,
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
