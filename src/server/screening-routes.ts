import type { App, ServerContext } from './app-types.js';

/** Placeholder until its routes land. */
export function screeningRoutes(app: App, ctx: ServerContext): void {
  void app;
  void ctx;
}
