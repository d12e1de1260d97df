import type { PlanScreening, SessionPlan } from '../engine/session-plan.js';
import type { SessionReport } from '../engine/session-runner.js';
import type { PlanChoices } from '../protocols/compile-plan.js';
import type { Protocol } from '../protocols/protocol-schema.js';
import type { AgentSpeed, HostedAgent } from './session-agent.js';
import { RunAgent } from './session-agent.js';
import { prepareSerialSession } from './serial-session.js';
import type { SerialConnection, SerialSession } from './serial-session.js';
import type { SerialPortLink } from '../device/serial-port-link.js';

/**
 * A hosted session on a real device over a serial port: always real time. The connection (handshake done) is opened
 * by the host beforehand; the plan is compiled here against the device's reported limits, so a choice the device
 * cannot give throws before anything is commanded. The port is closed when the session ends.
 */
export class SerialSessionAgent extends RunAgent implements HostedAgent {
  readonly plan: SessionPlan;
  readonly modeLabel: string;
  readonly speed: AgentSpeed = 1;
  protected readonly session: SerialSession;
  private started: Promise<SessionReport> | undefined;

  constructor(
    connection: SerialConnection & { readonly link: SerialPortLink },
    options: { protocol: Protocol; choices: PlanChoices; screening?: PlanScreening | undefined },
  ) {
    super();
    this.session = prepareSerialSession(connection, { ...options, operator: () => this.operators.shift() });
    this.plan = this.session.plan;
    this.modeLabel = this.session.modeLabel;
    this.trackRows();
  }

  /** A real device ramps down at its own pace: nothing to hurry (the host aborts first, and waits for the end). */
  hurry(): void {}

  run(): Promise<SessionReport> {
    this.started ??= this.session.pace().finally(() => this.session.close());
    return this.started;
  }
}
