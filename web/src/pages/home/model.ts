import { api, ApiError } from '../../api';
import type { MessageKey, Translate } from '../../i18n';
import { homePath, type HomeView } from './types';

/** A message for a value the server sends as a code, when the table has one; else the code itself. */
export function codeText(t: Translate, prefix: string, code: string): string {
  const key = `${prefix}.${code}` as MessageKey;
  const text = t(key);
  return text === key ? code : text;
}

/** The home view (GET /api/home), or undefined when no home plan exists yet (404). */
export async function loadHome(patientId: string | undefined, signal?: AbortSignal): Promise<HomeView | undefined> {
  try {
    return await api.get<HomeView>(homePath('/api/home', patientId), signal ? { signal } : {});
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** Whether the plan allows no session: stopped until a clinician reviews it (a burn or vesicles), or ended. */
export const planBlocked = (v: HomeView): boolean =>
  v.plan.status !== 'active' || v.titration.stopped || v.follow_up.state === 'stopped';
