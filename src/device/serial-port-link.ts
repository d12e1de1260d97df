import { SerialPort } from 'serialport';
import { IontoError } from '../errors/catalogue.js';
import type { ByteLink } from './line-protocol/byte-link.js';

/** A `ByteLink` over a serial port or a pseudo-terminal, opened raw (8N1). */
export interface SerialPortLink extends ByteLink {
  readonly path: string;
  /** False once the port closed (by `close()`, or because the device or pseudo-terminal went away). */
  readonly isOpen: boolean;
  /** Send what is buffered, then close. */
  close(): Promise<void>;
  /** Called once when the port closes or fails (cable pulled, device gone). */
  onClose(fn: (error?: Error) => void): void;
}

export async function openSerialLink(path: string, baudRate = 115_200): Promise<SerialPortLink> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) =>
    port.open((e) =>
      e ? reject(new IontoError('ION_ERR_DEVICE_LINK', `cannot open ${path}: ${e.message}`, { path })) : resolve(),
    ),
  );
  let closed: ((error?: Error) => void) | undefined;
  port.on('close', () => closed?.());
  port.on('error', (e: Error) => closed?.(e));
  return {
    path,
    get isOpen() {
      return port.isOpen;
    },
    write: (b) => {
      if (port.isOpen) port.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    },
    onData: (fn) => {
      port.removeAllListeners('data');
      port.on('data', (chunk: Buffer) => fn(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    },
    onClose: (fn) => {
      closed = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.drain(() => port.close(() => resolve()));
      }),
  };
}
