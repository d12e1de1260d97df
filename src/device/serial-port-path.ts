/**
 * What a serial device's port on the server's computer may be: an absolute path (/dev/ttyUSB0,
 * /dev/serial/by-id/usb-…) or a Windows COM port; no "..", spaces or shell characters. Whether the path is a terminal
 * is checked when a session opens it. Free of dependencies: the web app's settings page imports it.
 */
export const SERIAL_PORT_RULE = 'an absolute path of a serial port such as /dev/ttyUSB0, or COM3';

export function isSerialPortPath(p: string): boolean {
  if (p.length > 200) return false;
  if (/^COM[1-9][0-9]{0,2}$/.test(p)) return true;
  return /^(\/[A-Za-z0-9._+@:-]+)+$/.test(p) && !p.split('/').includes('..');
}
