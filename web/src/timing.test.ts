import { describe, expect, it } from "vitest";

import { isFinal, isRetryable, newIdempotencyKey, pollDelayMs, retryDelayMs } from "./timing";

describe("status polling", () => {
  it("starts at a second and slows down to 10 s", () => {
    const delays = [0, 1, 2, 3, 10, 50].map((n) => pollDelayMs(n, "processing"));
    expect(delays).toEqual([1000, 1500, 2250, 3375, 10000, 10000]);
  });

  it("asks at most once a minute while a person reviews", () => {
    expect(pollDelayMs(30, "escalated")).toBe(60_000);
    expect(pollDelayMs(30, "needs_review")).toBe(60_000);
  });

  it("stops at the three final statuses only", () => {
    expect(["approved", "rejected", "failed"].every(isFinal)).toBe(true);
    expect(["queued", "processing", "scored", "needs_review", "escalated"].some(isFinal)).toBe(false);
  });
});

describe("upload retries", () => {
  it("retries a lost connection and a busy API, never a refused photo", () => {
    expect([0, 408, 429, 502, 503, 504].every(isRetryable)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 415, 422, 500].some(isRetryable)).toBe(false);
  });

  it("waits what Retry-After says, capped at a minute", () => {
    expect(retryDelayMs(1, "7")).toBe(7000);
    expect(retryDelayMs(1, "3600")).toBe(60_000);
  });

  it("otherwise backs off 1, 2, 4 s with jitter", () => {
    const noJitter = () => 0;
    expect([1, 2, 3].map((n) => retryDelayMs(n, null, noJitter))).toEqual([1000, 2000, 4000]);
    expect(retryDelayMs(1, "soon", () => 0.99)).toBeLessThan(1250);
  });

  it("makes a key the API accepts (1-128 printable ASCII), new for each photo", () => {
    // The browser's crypto.randomUUID; a stand-in here, as Node 18 (Debian 12's) has no global crypto.
    let n = 0;
    const uuids = { randomUUID: () => `3b241101-e2bb-4255-8caf-4136c566a96${n++}` as `${string}-${string}-${string}-${string}-${string}` };
    const a = newIdempotencyKey(uuids);
    expect(a).toMatch(/^[\x21-\x7e]{1,128}$/);
    expect(newIdempotencyKey(uuids)).not.toBe(a);
  });
});
