/**
 * Branded physical quantities. A brand costs nothing at run time (the value is a plain number) but makes the
 * compiler refuse to pass milliamperes where volts are expected, or a bare number where a current is expected.
 * Construct values with the functions below; read them back as numbers with arithmetic or `+x`.
 */
declare const unit: unique symbol;
export type Quantity<U extends string> = number & { readonly [unit]: U };

export type MilliAmp = Quantity<'mA'>;
export type Volt = Quantity<'V'>;
export type Ohm = Quantity<'Ω'>;
export type Second = Quantity<'s'>;
export type Millisecond = Quantity<'ms'>;
export type SquareCm = Quantity<'cm²'>;
export type MilliAmpMinute = Quantity<'mA·min'>;
export type Coulomb = Quantity<'C'>;
export type MilliAmpPerSqCm = Quantity<'mA/cm²'>;
export type MilliAmpMinutePerSqCm = Quantity<'mA·min/cm²'>;
export type MilliAmpPerSecond = Quantity<'mA/s'>;
export type MicroSiemensPerCm = Quantity<'µS/cm'>;
export type Hertz = Quantity<'Hz'>;
/** A dimensionless fraction in [0, 1] (contact fraction, duty cycle). */
export type Fraction = Quantity<'1'>;

export const mA = (x: number): MilliAmp => x as MilliAmp;
export const volt = (x: number): Volt => x as Volt;
export const ohm = (x: number): Ohm => x as Ohm;
export const kOhm = (x: number): Ohm => (x * 1000) as Ohm;
export const seconds = (x: number): Second => x as Second;
export const minutes = (x: number): Second => (x * 60) as Second;
export const ms = (x: number): Millisecond => x as Millisecond;
export const cm2 = (x: number): SquareCm => x as SquareCm;
export const mAmin = (x: number): MilliAmpMinute => x as MilliAmpMinute;
export const coulomb = (x: number): Coulomb => x as Coulomb;
export const mAPerCm2 = (x: number): MilliAmpPerSqCm => x as MilliAmpPerSqCm;
export const mAminPerCm2 = (x: number): MilliAmpMinutePerSqCm => x as MilliAmpMinutePerSqCm;
export const mAPerS = (x: number): MilliAmpPerSecond => x as MilliAmpPerSecond;
export const uSPerCm = (x: number): MicroSiemensPerCm => x as MicroSiemensPerCm;
export const hertz = (x: number): Hertz => x as Hertz;
export const fraction = (x: number): Fraction => x as Fraction;

/** Milliseconds to seconds. */
export const msToSeconds = (t: Millisecond): Second => (t / 1000) as Second;
export const secondsToMs = (t: Second): Millisecond => (t * 1000) as Millisecond;
export const secondsToMinutes = (t: Second): number => t / 60;

/** Charge of a current held for a time: mA × min. */
export const chargeOf = (i: MilliAmp, t: Second): MilliAmpMinute => ((i * t) / 60) as MilliAmpMinute;
/** 1 mA·min = 1e-3 A × 60 s = 0.06 C (physics.md §7, DERIVED). */
export const toCoulomb = (q: MilliAmpMinute): Coulomb => (q * 0.06) as Coulomb;
export const fromCoulomb = (q: Coulomb): MilliAmpMinute => (q / 0.06) as MilliAmpMinute;
/** Current density over a contact area. */
export const densityOf = (i: MilliAmp, a: SquareCm): MilliAmpPerSqCm => (i / a) as MilliAmpPerSqCm;
/** The current a density limit allows over an area. */
export const currentAt = (j: MilliAmpPerSqCm, a: SquareCm): MilliAmp => (j * a) as MilliAmp;
export const chargeDensityOf = (q: MilliAmpMinute, a: SquareCm): MilliAmpMinutePerSqCm =>
  (q / a) as MilliAmpMinutePerSqCm;
/** Ohm's law with the project's units: V = mA × Ω / 1000. */
export const voltageAcross = (i: MilliAmp, r: Ohm): Volt => ((i * r) / 1000) as Volt;
export const currentThrough = (v: Volt, r: Ohm): MilliAmp => ((v * 1000) / r) as MilliAmp;
export const resistanceOf = (v: Volt, i: MilliAmp): Ohm => ((v * 1000) / i) as Ohm;
/** µS/cm to S/cm. */
export const toSiemensPerCm = (s: MicroSiemensPerCm): number => s * 1e-6;

export const minOf = <T extends number>(...xs: T[]): T => Math.min(...xs) as T;
export const maxOf = <T extends number>(...xs: T[]): T => Math.max(...xs) as T;
export const absOf = <T extends number>(x: T): T => Math.abs(x) as T;
export const clampTo = <T extends number>(x: T, lo: T, hi: T): T => (x < lo ? lo : x > hi ? hi : x);
