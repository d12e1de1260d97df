import { createInterface } from 'node:readline';
import { IontoError } from '../errors/catalogue.js';
import type { ProtocolStep } from '../protocols/protocol-schema.js';

export interface StepRecord {
  readonly id: string;
  readonly text: string;
  readonly required: boolean;
  readonly confirmed: boolean;
}

export interface ChecklistIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream | undefined;
}

/**
 * Have the operator confirm a checklist. With `confirmAll` (the operator says on the command line that every step
 * is done) all steps are confirmed; on a terminal each step is asked; otherwise nothing can be confirmed and the
 * caller is told which steps are waiting.
 */
export async function confirmSteps(
  title: string,
  steps: readonly ProtocolStep[],
  confirmAll: boolean,
  io: ChecklistIo,
): Promise<StepRecord[]> {
  if (confirmAll || steps.length === 0) return steps.map((s) => ({ ...pick(s), confirmed: true }));
  const stdin = io.stdin;
  if (!stdin?.isTTY) {
    throw new IontoError(
      'ION_ERR_USAGE',
      `${title} must be confirmed before the current starts; do them, then pass --confirm-steps:\n` +
        steps.map((s) => `  - ${s.text}${s.required ? '' : ' (recommended)'}`).join('\n'),
    );
  }
  // Lines are read through the interface's iterator, which buffers: an answer typed ahead is not lost.
  const rl = createInterface({ input: stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const out: StepRecord[] = [];
  try {
    io.stdout.write(`${title}:\n`);
    for (const s of steps) {
      let answer = '';
      while (answer !== 'y' && answer !== 'n') {
        io.stdout.write(`  ${s.text}${s.required ? '' : ' (recommended)'} — done? [y/n] `);
        const next = await lines.next();
        if (next.done) throw new IontoError('ION_ERR_USAGE', `${title}: input ended before every step was answered`);
        answer = next.value.trim().toLowerCase();
      }
      out.push({ ...pick(s), confirmed: answer === 'y' });
    }
  } finally {
    rl.close();
  }
  return out;
}

const pick = (s: ProtocolStep) => ({ id: s.id, text: s.text, required: s.required });

/** Required steps left unconfirmed. */
export const unconfirmed = (records: readonly StepRecord[]): StepRecord[] =>
  records.filter((r) => r.required && !r.confirmed);
