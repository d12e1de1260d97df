/** Rows the home-treatment store tests share: a clinic, a patient, a clinician, a course, a plan. */
import { createClinic } from './clinics.js';
import { createCourse } from './courses.js';
import { createHomePlan } from './home-plans.js';
import type { HomePlanRecord } from './home-plans.js';
import type { Store } from './open-store.js';
import { createPatient } from './patients.js';
import type { Patient } from './patients.js';
import { createUser } from './users.js';

export interface HomeWorld {
  patient: Patient;
  clinicianId: string;
  courseId: string;
  plan: HomePlanRecord;
}

export async function homeWorld(store: Store, name = 'A. Patient'): Promise<HomeWorld> {
  const clinic = await createClinic(store, { name: 'Dermatology', time_zone: 'Europe/Paris' });
  const clinician = await createUser(store, {
    clinic_id: clinic.id,
    email: `clinician-${Math.random().toString(36).slice(2)}@example.test`,
    password_hash: null,
    role: 'clinician',
  });
  const patient = await createPatient(store, {
    clinic_id: clinic.id,
    name,
    birth_date: '1990-04-01',
    time_zone: 'Europe/Paris',
    user_id: null,
  });
  const { course } = await createCourse(store, {
    patient_id: patient.id,
    protocol: 'tapwater-palms',
    template: 'clinic',
    start_date: '2026-10-01',
    time_zone: 'Europe/Paris',
  });
  const plan = await createHomePlan(store, {
    patient_id: patient.id,
    course_id: course.id,
    protocol: 'tapwater-palms',
    zone: 'palms',
    mode: 'dc',
    interval_days: 14,
    warning_signs: ['blisters or a burn'],
    created_by: clinician.id,
  });
  return { patient, clinicianId: clinician.id, courseId: course.id, plan };
}
