/**
 * Bulk pH of the anodal and cathodal tray water during tap-water iontophoresis.
 *
 * Inert electrodes electrolyse water (physics.md §6): the anode makes one H⁺ per electron (2H₂O → O₂ + 4H⁺ + 4e⁻),
 * the cathode one OH⁻ (2H₂O + 2e⁻ → H₂ + 2OH⁻). The proton load is I/F: 15 mA gives 9.33 µmol/min (DERIVED,
 * physics.md §6). Both trays carry the same current, so they receive equal amounts of acid and of base.
 *
 * The water is a well-mixed volume V with
 * - the carbonate system, closed: total dissolved carbonate C_T is conserved (the CO₂ made at the anode stays
 *   dissolved; at pH < 5 it is almost all undissociated CO₂, so letting it escape would change the pH by < 0.01);
 *   pKa1 = 6.35, pKa2 = 10.33 at 25 °C (standard values, e.g. Stumm & Morgan, Aquatic Chemistry; CRC Handbook);
 * - water, pKw = 14.00 at 25 °C;
 * - magnesium hydroxide (brucite), Ksp = 5.61e-12 at 25 °C (CRC Handbook, "Solubility product constants"), which
 *   precipitates at the cathode once [Mg²⁺][OH⁻]² exceeds it: the white scale on cathodes in hard water. Calcite is
 *   left out: its precipitation from the modest supersaturation of tap water is slow on the time scale of a session
 *   (ASSUMPTION).
 * Activities are taken equal to concentrations (dilute water), and all constants are at 25 °C although the water is
 * near 30–35 °C; the resulting error in pH is a few hundredths.
 *
 * Why magnesium matters: with carbonate alone, equal amounts of acid and base cannot give Sato's anode pH ≈ 3 and
 * cathode pH ≈ 10 together [28] — if the acid makes the anode reach pH 3.5 or lower, the same amount of base drives
 * the cathode above pH 10.5 at any bicarbonate level, because 1 mM of free H⁺ (pH 3) is ten times 0.1 mM of free
 * OH⁻ (pH 10) while carbonate buffers the two sides alike. A precipitating base buffer pins the cathode near
 * pH 10; brucite does so with [Mg²⁺] ≈ 0.5–1.5 mM, the range of hard tap water.
 */
import { IontoError } from '../errors/catalogue.js';
import { type MilliAmp } from '../units/quantities.js';

export interface TrayPhInput {
  readonly current: MilliAmp;
  readonly minutes: number;
  readonly volumeLitres?: number;
  /** Bicarbonate (≈ the alkalinity of tap water), mM. */
  readonly bicarbonate_mM?: number;
  readonly initialPh?: number;
  /** Dissolved magnesium, mM (0 for soft or distilled water). */
  readonly magnesium_mM?: number;
}

export interface TrayPhResult {
  readonly current_mA: number;
  readonly minutes: number;
  readonly volume_L: number;
  readonly bicarbonate_mM: number;
  readonly magnesium_mM: number;
  readonly initial_pH: number;
  readonly timeline: readonly { t_min: number; anode_pH: number; cathode_pH: number }[];
  readonly final: { readonly anode_pH: number; readonly cathode_pH: number };
  /** H⁺ made at the anode over the session (equal to the OH⁻ made at the cathode). */
  readonly protons_umol: number;
  /** Mg(OH)₂ precipitated in the cathode tray, µmol. */
  readonly brucite_umol: number;
  readonly notes: readonly string[];
}

export const PKA1 = 6.35;
export const PKA2 = 10.33;
export const PKW = 14.0;
export const KSP_BRUCITE = 5.61e-12;
const FARADAY = 96485.33;

/**
 * Defaults FITTED so that a clinical session (15 mA for 20 min: 15–20 mA for palms [SP][16], 20 min for hands [73])
 * reproduces Sato's anode pH ≈ 3 and cathode pH ≈ 10 [28]:
 * - volume 0.125 L: the water that mixes with the electrode's products; Sato's tray volume is not in our sources.
 *   A 150 × 220 mm tray [SW] holds 0.33 L per centimetre of depth, so this is a shallow or partly mixed tray;
 * - bicarbonate 0.5 mM (31 mg/L), inside the 0.2–5 mM of drinking water (soft to hard);
 * - pH 7.5 at the start, inside the 6.5–9.5 of drinking-water rules;
 * - magnesium 1.0 mM (24 mg/L), hard water (drinking water ranges from < 0.1 to ≈ 2 mM).
 */
export const TRAY_DEFAULTS = { volumeLitres: 0.125, bicarbonate_mM: 0.5, initialPh: 7.5, magnesium_mM: 1.0 } as const;
export const CLINICAL_SESSION = { current_mA: 15, minutes: 20 } as const;

const LIMITS = {
  current: [0, 100],
  minutes: [0, 120],
  volumeLitres: [0.01, 20],
  bicarbonate_mM: [0, 20],
  initialPh: [4, 10],
  magnesium_mM: [0, 10],
} as const;

/** Carbonate fractions at pH: α1 (HCO₃⁻) and α2 (CO₃²⁻) of total dissolved carbonate. */
function alphas(pH: number): [number, number] {
  const h = 10 ** -pH;
  const k1 = 10 ** -PKA1;
  const k2 = 10 ** -PKA2;
  const d = h * h + k1 * h + k1 * k2;
  return [(k1 * h) / d, (k1 * k2) / d];
}

/** Mg(OH)₂ precipitated at pH (mM), given the total magnesium. */
function brucite(pH: number, mgTotal: number): number {
  const oh = 10 ** (pH - PKW); // mol/L
  const mgDissolved = (KSP_BRUCITE / (oh * oh)) * 1000; // mM
  return Math.max(0, mgTotal - mgDissolved);
}

/**
 * Excess base (mM) of the water at pH: carbonate alkalinity + OH⁻ − H⁺ + 2 × precipitated Mg(OH)₂. It increases with
 * pH; electrolysis changes it by ± (I t / F) / V.
 */
function excessBase(pH: number, cT: number, mgTotal: number): number {
  const [a1, a2] = alphas(pH);
  return cT * (a1 + 2 * a2) + 10 ** (pH - PKW) * 1000 - 10 ** -pH * 1000 + 2 * brucite(pH, mgTotal);
}

/** The pH at which the excess base equals `target` (bisection on a monotone function). */
function solvePh(target: number, cT: number, mgTotal: number): number {
  let lo = -1;
  let hi = 15;
  for (let k = 0; k < 100; k++) {
    const mid = (lo + hi) / 2;
    if (excessBase(mid, cT, mgTotal) < target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function check(name: string, v: number, [lo, hi]: readonly [number, number], unit: string, loOpen = false) {
  if (!Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi) {
    throw new IontoError(
      'ION_ERR_OUT_OF_RANGE',
      `${name} must be ${loOpen ? '>' : '≥'} ${lo} and ≤ ${hi} ${unit} (got ${v})`,
      {
        field: name,
        value: v,
        min: lo,
        max: hi,
      },
    );
  }
}

export function simulateTrayPh(input: TrayPhInput): TrayPhResult {
  const current = +input.current;
  const minutes = input.minutes;
  const volume = input.volumeLitres ?? TRAY_DEFAULTS.volumeLitres;
  const hco3 = input.bicarbonate_mM ?? TRAY_DEFAULTS.bicarbonate_mM;
  const pH0 = input.initialPh ?? TRAY_DEFAULTS.initialPh;
  const mg = input.magnesium_mM ?? TRAY_DEFAULTS.magnesium_mM;
  check('current', current, LIMITS.current, 'mA');
  check('minutes', minutes, LIMITS.minutes, 'min', true);
  check('volumeLitres', volume, LIMITS.volumeLitres, 'L');
  check('bicarbonate_mM', hco3, LIMITS.bicarbonate_mM, 'mM');
  check('initialPh', pH0, LIMITS.initialPh, '');
  check('magnesium_mM', mg, LIMITS.magnesium_mM, 'mM');

  // Total carbonate from the bicarbonate at the initial pH; the water's excess base at the start.
  const cT = hco3 / alphas(pH0)[0];
  const mgStart = mg - brucite(pH0, mg); // water that starts supersaturated drops its excess at once
  const base0 = excessBase(pH0, cT, mgStart);
  const protonsPerMinute = ((current * 1e-3 * 60) / FARADAY) * 1e6; // µmol/min
  const load = (t: number) => (protonsPerMinute * t) / volume / 1000; // mM
  const samples = Math.max(1, Math.min(120, Math.round(minutes)));
  const timeline: { t_min: number; anode_pH: number; cathode_pH: number }[] = [];
  for (let k = 0; k <= samples; k++) {
    const t = (k * minutes) / samples;
    timeline.push({
      t_min: t,
      anode_pH: solvePh(base0 - load(t), cT, mgStart),
      cathode_pH: solvePh(base0 + load(t), cT, mgStart),
    });
  }
  const final = timeline[timeline.length - 1]!;
  const protons = protonsPerMinute * minutes;
  const brucite_umol = brucite(final.cathode_pH, mgStart) * volume * 1000;
  const notes: string[] = [
    `Faraday: ${protonsPerMinute.toFixed(2)} µmol H⁺/min at the anode and as much OH⁻ at the cathode (15 mA → 9.33 µmol/min, physics.md §6).`,
    `Closed carbonate system (pKa1 ${PKA1}, pKa2 ${PKA2} at 25 °C), ${hco3} mM bicarbonate, start pH ${pH0}; CO₂ kept in solution.`,
    `Mg(OH)₂ (Ksp ${KSP_BRUCITE} at 25 °C) precipitates at the cathode above pH ≈ ${(PKW + 0.5 * Math.log10(KSP_BRUCITE / (Math.max(mgStart, 1e-9) * 1e-3))).toFixed(1)} with ${mg} mM Mg²⁺: ${brucite_umol.toFixed(1)} µmol by the end.`,
    `Published tap-water result: anode ≈ pH 3, cathode ≈ pH 10 [28]; saline did not acidify [28].`,
    'Bulk values of a well-mixed tray: the water next to the electrodes and in the pores of the skin is more extreme.',
    'All current is taken as water electrolysis; chlorine evolution from chloride at the anode makes half the acid per electron.',
  ];
  return {
    current_mA: current,
    minutes,
    volume_L: volume,
    bicarbonate_mM: hco3,
    magnesium_mM: mg,
    initial_pH: pH0,
    timeline,
    final: { anode_pH: final.anode_pH, cathode_pH: final.cathode_pH },
    protons_umol: protons,
    brucite_umol,
    notes,
  };
}
