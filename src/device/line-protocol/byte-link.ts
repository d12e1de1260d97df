/**
 * A byte stream to or from a device: a serial port, a pseudo-terminal, or an in-memory pair for tests. Chunks
 * arrive in any size; framing is the caller's business.
 */
export interface ByteLink {
  write(bytes: Uint8Array): void;
  /** Register the receiver of incoming bytes (one receiver per link). */
  onData(fn: (bytes: Uint8Array) => void): void;
}

/** Two linked in-memory ends, like a cable. `connected = false` loses every byte in both directions (cable pulled). */
export interface MemoryLinkPair {
  readonly host: ByteLink;
  readonly device: ByteLink;
  connected: boolean;
}

/** An in-memory cable. Delivery is synchronous, in order, in the chunks written. */
export function memoryLinkPair(): MemoryLinkPair {
  let toHost: (b: Uint8Array) => void = () => {};
  let toDevice: (b: Uint8Array) => void = () => {};
  const pair: MemoryLinkPair = {
    connected: true,
    host: {
      write: (b) => {
        if (pair.connected) toDevice(b.slice());
      },
      onData: (fn) => {
        toHost = fn;
      },
    },
    device: {
      write: (b) => {
        if (pair.connected) toHost(b.slice());
      },
      onData: (fn) => {
        toDevice = fn;
      },
    },
  };
  return pair;
}
