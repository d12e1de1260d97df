/**
 * Child-process entry for the PTY end-to-end tests: the command line run from the TypeScript sources (started with
 * the test loader, `node --import <register> src/cli/run-serial-child.ts run … --port …`), exiting with its code.
 */
import { main } from './main.js';

process.exit(await main(process.argv.slice(2)));
