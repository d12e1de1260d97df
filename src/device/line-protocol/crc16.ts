/**
 * CRC-16/CCITT-FALSE (also catalogued as CRC-16/IBM-3740): polynomial 0x1021, initial value 0xFFFF, no input or
 * output reflection, no final XOR. Its standard check value, the CRC of the ASCII bytes "123456789", is 0x29B1.
 * It detects every error burst of 16 bits or fewer, so any single corrupted byte in a frame is always caught.
 */
export const CRC16_CHECK_VALUE = 0x29b1;

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[n] = c;
  }
  return t;
})();

/** CRC-16/CCITT-FALSE of `bytes[start, end)`. */
export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}
