import type { Reason } from "./api";

/**
 * How a score component reads to a person: met (all its points, or a check that passed), partly met (some points:
 * e.g. the text was read, not perfectly), or a problem (no points, points taken away, or anything that blocks an
 * automatic approval). A check worth no points that is not blocking passed (e.g. the NIK's typeface is right).
 */
export type ReasonState = "met" | "partly" | "problem";

export function reasonState(reason: Reason): ReasonState {
  if (reason.blocking || reason.points < 0) return "problem";
  if (reason.max_points <= 0) return "met";
  if (reason.points <= 0) return "problem";
  return reason.points < reason.max_points ? "partly" : "met";
}

/**
 * The reasons to list under the decision, problems first, then what was partly met, then what was met: what to act
 * on is read first. The photo's capture codes (card_not_found, glare_on_fields...) come among the reasons too; they
 * are left out here, as the screen shows them as advice with a Retake button.
 */
export function byState(reasons: Reason[], capture: Array<{ code: string }> = []): Reason[] {
  const rank = { problem: 0, partly: 1, met: 2 } as const;
  const advice = new Set(capture.map((hint) => hint.code));
  return reasons
    .filter((reason) => !advice.has(reason.code))
    .sort((a, b) => rank[reasonState(a)] - rank[reasonState(b)]);
}
