import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import type { App } from './app-types.js';
import { ProblemSchema, PROBLEM_CONTENT_TYPE } from './problem.js';

type Json = Record<string, unknown>;

interface RouteDoc {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

const isZod = (s: unknown): s is z.ZodType => s instanceof z.ZodType;
const toJson = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

function parameters(schema: unknown, where: 'path' | 'query' | 'header'): Json[] {
  if (!isZod(schema)) return [];
  const js = toJson(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, Json>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
  }));
}

/** Collects every route's zod schemas as routes are added; `document()` turns them into OpenAPI 3.1. */
export function openApiCollector(app: App) {
  const routes: RouteDoc[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method: method.toLowerCase(),
        url: route.url,
        schema: (route.schema ?? {}) as Record<string, unknown>,
      });
    }
  });
  const problem = { [PROBLEM_CONTENT_TYPE]: { schema: toJson(ProblemSchema, 'output') } };

  return function document(): Json {
    const paths: Record<string, Record<string, Json>> = {};
    for (const r of routes) {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const responses: Record<string, Json> = {};
      for (const [status, s] of Object.entries((r.schema.response ?? {}) as Record<string, unknown>)) {
        responses[status] =
          isZod(s) && !(s instanceof z.ZodNull)
            ? { description: `HTTP ${status}`, content: { 'application/json': { schema: toJson(s, 'output') } } }
            : { description: `HTTP ${status}` };
      }
      responses.default = { description: 'An error as problem+json', content: problem };
      const op: Json = {
        ...(typeof r.schema.summary === 'string' ? { summary: r.schema.summary } : {}),
        parameters: [
          ...parameters(r.schema.params, 'path'),
          ...parameters(r.schema.querystring, 'query'),
          ...parameters(r.schema.headers, 'header'),
        ],
        ...(isZod(r.schema.body)
          ? {
              requestBody: {
                required: true,
                content: { 'application/json': { schema: toJson(r.schema.body, 'input') } },
              },
            }
          : {}),
        responses,
      };
      (paths[path] ??= {})[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info: { title: 'OpenIonto clinic API', version: '0.1.0' },
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'ionto_session' } },
      },
      security: [{ session: [] }],
      paths,
    };
  };
}
