/**
 * Consistent Overhead Byte Stuffing: turns any byte string into one without 0x00, so 0x00 can delimit frames.
 * Overhead is one byte per 254 bytes of input plus one.
 */

/** Largest COBS encoding of `n` input bytes (without the delimiter). */
export const cobsMaxEncodedLength = (n: number): number => n + Math.floor(n / 254) + 1;

export function cobsEncode(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsMaxEncodedLength(input.length));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < input.length; i++) {
    const b = input[i]!;
    if (b === 0) {
      out[codeAt] = code;
      codeAt = o++;
      code = 1;
    } else {
      out[o++] = b;
      code++;
      if (code === 0xff) {
        out[codeAt] = code;
        codeAt = o++;
        code = 1;
      }
    }
  }
  out[codeAt] = code;
  return out.subarray(0, o);
}

/** Decode one COBS block (no delimiter inside). Returns undefined when the block is not valid COBS. */
export function cobsDecode(input: Uint8Array): Uint8Array | undefined {
  if (input.length === 0) return undefined;
  const out = new Uint8Array(input.length);
  let o = 0;
  let i = 0;
  while (i < input.length) {
    const code = input[i]!;
    if (code === 0) return undefined;
    if (i + code > input.length) return undefined; // the block claims more bytes than it holds: truncated
    for (let k = 1; k < code; k++) {
      const b = input[i + k]!;
      if (b === 0) return undefined;
      out[o++] = b;
    }
    i += code;
    if (code !== 0xff && i < input.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}
