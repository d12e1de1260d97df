import type { Store } from './open-store.js';
import { assertLocalDate, assertTimeZone, toUtcInstant } from './store-time.js';
import { inTransaction } from './transaction.js';
import { getRow, insertRow, listRows, updateRow } from './versioned-rows.js';
import type { NewRow, Page, PageRequest, Row, RowPatch } from './versioned-rows.js';

export type Course = Row<'courses'>;
export type PlannedSessionRow = Row<'planned_sessions'>;

export interface NewPlannedSession {
  seq: number;
  phase: string;
  local_date: string;
  starts_at: Date | string;
  status: string;
}

export interface CourseWithSessions {
  course: Course;
  sessions: PlannedSessionRow[];
}

/** Stores a course and its planned sessions in one transaction. */
export const createCourse = async (
  store: Store,
  input: NewRow<'courses'>,
  planned: readonly NewPlannedSession[] = [],
): Promise<CourseWithSessions> =>
  inTransaction(store, async (tx) => {
    const course = await insertRow(tx, 'courses', {
      ...input,
      start_date: assertLocalDate(input.start_date),
      time_zone: assertTimeZone(input.time_zone),
    });
    const sessions: PlannedSessionRow[] = [];
    for (const p of planned) {
      sessions.push(
        await insertRow(tx, 'planned_sessions', {
          ...p,
          course_id: course.id,
          local_date: assertLocalDate(p.local_date),
          starts_at: toUtcInstant(p.starts_at),
        }),
      );
    }
    return { course, sessions };
  });

export const getCourse = async (store: Store, id: string): Promise<Course> => getRow(store, 'courses', id);

export const listCourses = async (
  store: Store,
  page?: PageRequest,
  filter: { patient_id?: string } = {},
): Promise<Page<Course>> => listRows(store, 'courses', page, filter);

export const updateCourse = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: RowPatch<'courses'>,
): Promise<Course> =>
  updateRow(store, 'courses', id, expectedVersion, {
    ...patch,
    ...(patch.start_date === undefined ? {} : { start_date: assertLocalDate(patch.start_date) }),
    ...(patch.time_zone === undefined ? {} : { time_zone: assertTimeZone(patch.time_zone) }),
  });

/** A course's planned sessions in course order. */
export const listPlannedSessions = async (store: Store, courseId: string): Promise<PlannedSessionRow[]> =>
  store.db.selectFrom('planned_sessions').selectAll().where('course_id', '=', courseId).orderBy('seq').execute();

export const updatePlannedSession = async (
  store: Store,
  id: string,
  expectedVersion: number,
  patch: Partial<NewPlannedSession>,
): Promise<PlannedSessionRow> =>
  updateRow(store, 'planned_sessions', id, expectedVersion, {
    ...(patch.phase === undefined ? {} : { phase: patch.phase }),
    ...(patch.status === undefined ? {} : { status: patch.status }),
    ...(patch.local_date === undefined ? {} : { local_date: assertLocalDate(patch.local_date) }),
    ...(patch.starts_at === undefined ? {} : { starts_at: toUtcInstant(patch.starts_at) }),
  });
