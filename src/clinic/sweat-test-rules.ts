/*
 * The sweat test's fixed rules, free of other dependencies, so the web app shows the minimums, the collection limit
 * and the reported results by the very rules the clinic layer applies (it imports this module).
 */

/** Both arms are tested: bilateral testing [47] (clinical.md §5.4). */
export const SWEAT_SIDES = ['left', 'right'] as const;
export type SweatSide = (typeof SWEAT_SIDES)[number];

/** Sample minimums and the collection limit: clinical.md §5.2 [97]. */
export const SWEAT_RULES = {
  macroduct_min_ul: 15,
  gauze_min_mg: 75,
  collection_max_min: 30,
  source:
    '[97] labce.com sweat collection (clinical.md §5.2): collect ≤30 min; minimum 15 µL (Macroduct) or 75 mg (gauze / filter paper); never pool QNS samples',
} as const;

/** The chloride results a report or a FHIR export shows: each side's own, or the pooled one. */
export function reportedResults<R>(data: {
  readonly pooled_result: R | null;
  readonly sides: Readonly<Record<SweatSide, { readonly result: R | null }>>;
}): { side: SweatSide | 'pooled'; result: R }[] {
  if (data.pooled_result !== null) return [{ side: 'pooled', result: data.pooled_result }];
  return SWEAT_SIDES.flatMap((side) => {
    const r = data.sides[side].result;
    return r === null ? [] : [{ side, result: r }];
  });
}
