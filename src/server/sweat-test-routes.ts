import type { App, ServerContext } from './app-types.js';

/** Placeholder until its routes land. */
export function sweatTestRoutes(app: App, ctx: ServerContext): void {
  void app;
  void ctx;
}
