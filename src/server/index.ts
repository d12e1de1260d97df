/** The clinic API server (Fastify): sign-in, sessions, CSRF, patients, problem+json errors, OpenAPI. */
export * from './app-types.js';
export * from './auth-routes.js';
export * from './authentication.js';
export * from './build-server.js';
export * from './health-routes.js';
export * from './openapi.js';
export * from './passwords.js';
export * from './patient-routes.js';
export * from './problem.js';
export * from './session-store.js';
