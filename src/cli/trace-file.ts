import { closeSync, openSync, writeSync } from 'node:fs';
import { IontoError } from '../errors/catalogue.js';
import type { TraceRow } from '../engine/session-runner.js';

const HEADER = 't_s,phase,setpoint_mA,current_mA,voltage_V,impedance_ohm,polarity\n';
const FLUSH_ROWS = 2000;

const num = (x: number, d: number): string => (Number.isFinite(x) ? x.toFixed(d) : '');

/**
 * A CSV trace of a session, one row per control period. The file is opened (and so checked writable) before the
 * session starts, and written in blocks so that a 20-minute session costs a few dozen writes.
 */
export class TraceFile {
  private readonly fd: number;
  private rows: string[] = [];

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new IontoError('ION_ERR_USAGE', `--trace ${path}: cannot write the file (${(e as Error).message})`);
    }
    writeSync(this.fd, HEADER);
  }

  add(r: TraceRow): void {
    this.rows.push(
      `${(r.t / 1000).toFixed(2)},${r.phase},${num(r.setpoint, 4)},${num(r.current, 4)},${num(r.voltage, 3)},${num(r.impedance, 0)},${r.polarity}`,
    );
    if (this.rows.length >= FLUSH_ROWS) this.flush();
  }

  flush(): void {
    if (this.rows.length === 0) return;
    writeSync(this.fd, this.rows.join('\n') + '\n');
    this.rows = [];
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
