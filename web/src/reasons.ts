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

/** Problems first, then what was partly met, then what was met: what to act on is read first. */
export function byState(reasons: Reason[]): Reason[] {
  const rank = { problem: 0, partly: 1, met: 2 } as const;
  return [...reasons].sort((a, b) => rank[reasonState(a)] - rank[reasonState(b)]);
}
