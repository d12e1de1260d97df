import { cobsDecode, cobsEncode, cobsMaxEncodedLength } from './cobs.js';
import { crc16CcittFalse } from './crc16.js';
import { decodeMessage, encodeMessage, MAX_MESSAGE_BYTES, type Message, type MessageRefusal } from './messages.js';

/**
 * Framing: frame = COBS(message ‖ CRC-16/CCITT-FALSE(message), CRC big-endian) followed by one 0x00 delimiter.
 * A receiver drops, and counts, any frame that is too long, not valid COBS, shorter than a type byte plus CRC,
 * fails its CRC, or does not decode to a well-formed message. Empty frames (consecutive 0x00) are idle fill.
 */
export const CRC_BYTES = 2;
/** Longest frame on the wire, delimiter included. */
export const MAX_FRAME_BYTES = cobsMaxEncodedLength(MAX_MESSAGE_BYTES + CRC_BYTES) + 1;

export function encodeFrame(m: Message): Uint8Array {
  const payload = encodeMessage(m);
  const raw = new Uint8Array(payload.length + CRC_BYTES);
  raw.set(payload);
  const crc = crc16CcittFalse(payload);
  raw[payload.length] = crc >> 8;
  raw[payload.length + 1] = crc & 0xff;
  const body = cobsEncode(raw);
  const frame = new Uint8Array(body.length + 1);
  frame.set(body);
  return frame;
}

export type FrameRefusal = 'oversized' | 'cobs' | 'short' | 'crc' | MessageRefusal;
export type FrameResult =
  { readonly ok: true; readonly message: Message } | { readonly ok: false; readonly reason: FrameRefusal };

/** Streaming decoder: feed it bytes as they arrive in chunks of any size; it returns each complete frame's outcome. */
export class FrameDecoder {
  private readonly buf = new Uint8Array(MAX_FRAME_BYTES - 1);
  private len = 0;
  private overflow = false;
  private accepted = 0;
  private readonly refused = new Map<FrameRefusal, number>();

  push(chunk: Uint8Array): FrameResult[] {
    const out: FrameResult[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b !== 0) {
        if (this.len < this.buf.length) this.buf[this.len++] = b;
        else this.overflow = true;
        continue;
      }
      if (this.overflow) out.push(this.refuse('oversized'));
      else if (this.len > 0) out.push(this.frame(this.buf.subarray(0, this.len)));
      this.len = 0;
      this.overflow = false;
    }
    return out;
  }

  /** Counts since creation: frames accepted and frames refused by reason. */
  stats(): { readonly accepted: number; readonly refused: Readonly<Record<string, number>> } {
    return { accepted: this.accepted, refused: Object.fromEntries(this.refused) };
  }

  /** Forget a partial frame (after a reconnect). */
  reset(): void {
    this.len = 0;
    this.overflow = false;
  }

  private refuse(reason: FrameRefusal): FrameResult {
    this.refused.set(reason, (this.refused.get(reason) ?? 0) + 1);
    return { ok: false, reason };
  }

  private frame(body: Uint8Array): FrameResult {
    const raw = cobsDecode(body);
    if (raw === undefined) return this.refuse('cobs');
    if (raw.length < 1 + CRC_BYTES) return this.refuse('short');
    const n = raw.length - CRC_BYTES;
    if (n > MAX_MESSAGE_BYTES) return this.refuse('oversized');
    if (crc16CcittFalse(raw, 0, n) !== ((raw[n]! << 8) | raw[n + 1]!)) return this.refuse('crc');
    const m = decodeMessage(raw.subarray(0, n).slice());
    if (typeof m === 'string') return this.refuse(m);
    this.accepted++;
    return { ok: true, message: m };
  }
}
