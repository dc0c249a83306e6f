/**
 * When to ask again. Status polling starts fast (most documents decide in seconds) and slows down, so a document
 * waiting days for a person does not cost a request a second; upload retries back off with jitter and honour the
 * API's Retry-After.
 */

export const FINAL_STATUSES = ["approved", "rejected", "failed"] as const;
export const REVIEW_STATUSES = ["needs_review", "escalated"] as const;

export function isFinal(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

export function isWithPerson(status: string): boolean {
  return (REVIEW_STATUSES as readonly string[]).includes(status);
}

/** Seconds before poll number `attempt` (0-based): 1, 1.5, 2.25 ... capped at 10 s, 60 s while a person decides. */
export function pollDelayMs(attempt: number, status: string): number {
  const cap = isWithPerson(status) ? 60_000 : 10_000;
  return Math.min(cap, Math.round(1000 * 1.5 ** Math.max(0, attempt)));
}

/** Statuses worth retrying with the same Idempotency-Key: the request may not have arrived, or the API was busy. */
export function isRetryable(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || status === 502 || status === 503 || status === 504;
}

/** Milliseconds before retry number `attempt` (1-based): Retry-After when the API gave one, else 1, 2, 4 s + jitter. */
export function retryDelayMs(attempt: number, retryAfter: string | null, random: () => number = Math.random): number {
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 60) * 1000;
  const base = 1000 * 2 ** Math.max(0, attempt - 1);
  return Math.min(base, 16_000) + Math.floor(random() * 250);
}

/** A fresh Idempotency-Key for one photo: every retry of that photo sends the same one. */
export function newIdempotencyKey(crypto: Pick<Crypto, "randomUUID"> = globalThis.crypto): string {
  return `web-${crypto.randomUUID()}`;
}
