/**
 * The contraindication items a patient is screened for, by id. Protocols name them in their
 * `contraindications`; the clinic's questionnaire asks them. Sources: clinical.md §4 ([H8], [F5], [U6], [H7],
 * [U1]) and devices.md §6.
 */
export const SCREENING_ITEMS = {
  pacemaker: 'Pacemaker, defibrillator or another active electrical implant',
  pregnancy: 'Pregnant',
  breastfeeding: 'Breastfeeding',
  epilepsy: 'Epilepsy',
  'metal-implant-in-path': 'Metal implant between or near the treatment sites (plates, screws, joint replacements)',
  'heart-disease': 'Heart disease or a heart rhythm disorder',
  iud: 'Copper or other intrauterine device (coil)',
  cancer: 'Cancer, now or under treatment',
  fever: 'Fever or acute infection today',
  'wound-at-site': 'Injury, open wound or fresh scar at the treatment site',
  'vascular-disease': 'Vascular disease (thrombosis, severe varicose veins, arterial disease)',
  'skin-irritation': 'Eczema, rash or irritated skin at the treatment site',
  'impaired-sensation': 'Reduced feeling at the treatment site (for example neuropathy)',
  'agent-allergy': 'Allergy or intolerance to the solution, drug or product used',
} as const;

export type ScreeningItem = keyof typeof SCREENING_ITEMS;
export const SCREENING_ITEM_IDS = Object.keys(SCREENING_ITEMS) as ScreeningItem[];
