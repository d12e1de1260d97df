import { sql } from 'kysely';
import { z } from 'zod';
import { IontoError } from '../errors/catalogue.js';
import type { App, ServerContext } from './app-types.js';

export function healthRoutes(app: App, ctx: ServerContext): void {
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'The server is up and its database answers',
        response: { 200: z.object({ status: z.literal('ok'), database: z.enum(['sqlite', 'postgres']) }) },
      },
    },
    async () => {
      try {
        await sql`select 1`.execute(ctx.store.db);
      } catch {
        throw new IontoError('ION_ERR_UNAVAILABLE', 'the database does not answer');
      }
      return { status: 'ok' as const, database: ctx.store.dialect };
    },
  );
}
