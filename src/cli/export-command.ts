import type { Command } from 'commander';
import type { CliIo } from './main.js';

/** Placeholder until the command lands. */
export function registerExportCommand(cmd: Command, io: CliIo, done: (code: number) => void): void {
  void cmd;
  void io;
  void done;
}
