/** JSON values live in text columns, so the same column works in SQLite and PostgreSQL and round-trips exactly. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };

export const toJsonText = (value: unknown): string => JSON.stringify(value ?? null);

export const fromJsonText = <T = Json>(text: string): T => JSON.parse(text) as T;
