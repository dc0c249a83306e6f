import { afterEach, describe, expect, it, vi } from "vitest";

import { Api, ApiFailure, failureFrom, STALL_MS } from "./api";
import { devSession, SessionExpired, type Session } from "./auth";

type Call = { url: string; init: RequestInit };

function fakeFetch(responses: Array<Response | Error>): { fetcher: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const next = responses.shift();
    if (!next || next instanceof Error) throw next ?? new Error("no more responses");
    return next;
  }) as unknown as typeof fetch;
  return { fetcher, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

describe("API calls", () => {
  it("authenticate every call and send no cookie", async () => {
    const { fetcher, calls } = fakeFetch([json(200, { documents: [], next_cursor: null })]);
    await new Api("http://127.0.0.1:8000", devSession("alice"), { fetcher }).documents();
    expect(calls[0]?.url).toBe("http://127.0.0.1:8000/v1/documents");
    expect(calls[0]?.init.headers).toEqual({ "X-Dev-User": "alice" });
    expect(calls[0]?.init.credentials).toBe("omit");
  });

  it("turn the API's error body into a code the screen acts on", async () => {
    const { fetcher } = fakeFetch([json(409, { error: { code: "already_reviewed", message: "decided by a person" } })]);
    const api = new Api("http://127.0.0.1:8000", devSession("alice"), { fetcher });
    await expect(api.appeal("0".repeat(32), null)).rejects.toMatchObject({ status: 409, code: "already_reviewed" });
  });

  it("name a lost connection 'network' rather than throw a TypeError", async () => {
    const { fetcher } = fakeFetch([new TypeError("Failed to fetch")]);
    const api = new Api("http://127.0.0.1:8000", devSession("alice"), { fetcher });
    await expect(api.exportMine()).rejects.toMatchObject({ status: 0, code: "network" });
  });

  it("read a proxy's HTML error page as a status code, with Retry-After", async () => {
    const failure = await failureFrom(new Response("<html>busy</html>", { status: 429, headers: { "Retry-After": "5" } }));
    expect(failure).toBeInstanceOf(ApiFailure);
    expect([failure.code, failure.retryAfter]).toEqual(["rate_limited", "5"]);
    expect((await failureFrom(new Response("oops", { status: 502 }))).code).toBe("http_502");
  });

  it("hand every 401 to the app, so it can send the person to sign in again", async () => {
    const refused: string[] = [];
    const { fetcher } = fakeFetch([json(401, { error: { code: "token_expired", message: "expired" } })]);
    const api = new Api("http://127.0.0.1:8000", devSession("alice"), { fetcher, onUnauthorized: (f) => refused.push(f.code) });
    await expect(api.documents()).rejects.toMatchObject({ status: 401, code: "token_expired" });
    expect(refused).toEqual(["token_expired"]);
  });

  it("read a session that cannot be renewed as an expired session, not a lost connection", async () => {
    const refused: string[] = [];
    const expired: Session = {
      label: "x",
      headers: async () => {
        throw new SessionExpired("refresh token revoked");
      },
      signOut: async () => undefined,
    };
    const { fetcher, calls } = fakeFetch([]);
    const api = new Api("http://127.0.0.1:8000", expired, { fetcher, onUnauthorized: (f) => refused.push(f.code) });
    await expect(api.exportMine()).rejects.toMatchObject({ status: 401, code: "session_expired" });
    expect(refused).toEqual(["session_expired"]);
    expect(calls).toHaveLength(0);
  });

  it("put only the document id in a path, escaped", async () => {
    const { fetcher, calls } = fakeFetch([new Response(null, { status: 204 })]);
    await new Api("http://127.0.0.1:8000", devSession("alice"), { fetcher }).deleteDocument("a/b");
    expect(calls[0]?.url).toBe("http://127.0.0.1:8000/v1/documents/a%2Fb");
    expect(calls[0]?.init.method).toBe("DELETE");
  });
});

/** Enough of XMLHttpRequest for Api.upload: each instance answers with the next scripted outcome. */
class ScriptedXhr {
  static outcomes: Array<{ status: number; body?: unknown; retryAfter?: string } | "network" | "hang"> = [];
  static aborted = 0;
  static sent: Array<{ headers: Record<string, string>; body: FormData }> = [];
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = {
    onprogress: null,
  };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  ontimeout: (() => void) | null = null;
  status = 0;
  responseText = "";
  timeout = 0;
  withCredentials = true;
  private headers: Record<string, string> = {};
  private retryAfter: string | null = null;
  open(): void {}
  abort(): void {
    ScriptedXhr.aborted += 1;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  getResponseHeader(name: string): string | null {
    return name === "Retry-After" ? this.retryAfter : null;
  }
  send(body: FormData): void {
    ScriptedXhr.sent.push({ headers: { ...this.headers }, body });
    const outcome = ScriptedXhr.outcomes.shift() ?? "network";
    if (outcome === "hang") return; // bytes stop moving: only the stall watchdog or an abort ends it
    queueMicrotask(() => {
      if (outcome === "network") return this.onerror?.();
      this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 });
      this.status = outcome.status;
      this.retryAfter = outcome.retryAfter ?? null;
      this.responseText = JSON.stringify(outcome.body ?? {});
      this.onload?.();
    });
  }
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  ScriptedXhr.outcomes = [];
  ScriptedXhr.sent = [];
  ScriptedXhr.aborted = 0;
});

describe("upload", () => {
  const accepted = { id: "d".repeat(32), status: "queued", type: "ktp", correlation_id: "c" };
  const request = (progress: number[], retries: string[]) => ({
    file: new Blob(["jpeg"], { type: "image/jpeg" }),
    fileName: "card.jpg",
    type: "ktp" as const,
    idempotencyKey: "web-key-1",
    onProgress: (fraction: number) => progress.push(fraction),
    onRetry: (_attempt: number, failure: ApiFailure) => retries.push(failure.code),
  });

  it("retries a lost connection and a 503 with the same Idempotency-Key, honouring Retry-After", async () => {
    vi.stubGlobal("XMLHttpRequest", ScriptedXhr);
    ScriptedXhr.outcomes = ["network", { status: 503, body: { error: { code: "queue_unavailable", message: "" } }, retryAfter: "2" }, { status: 202, body: accepted }];
    const waits: number[] = [];
    const progress: number[] = [];
    const retries: string[] = [];
    const api = new Api("http://127.0.0.1:8000", devSession("alice"));
    const result = await api.upload(request(progress, retries), 4, async (ms) => void waits.push(ms));
    expect(result.id).toBe(accepted.id);
    expect(ScriptedXhr.sent.map((s) => s.headers["Idempotency-Key"])).toEqual(["web-key-1", "web-key-1", "web-key-1"]);
    expect(ScriptedXhr.sent[0]?.headers["X-Dev-User"]).toBe("alice");
    expect(ScriptedXhr.sent[0]?.body.get("type")).toBe("ktp");
    expect(retries).toEqual(["network", "queue_unavailable"]);
    expect(waits[1]).toBe(2000);
    expect(progress.at(-1)).toBe(1);
  });

  it("does not retry a photo the API refused, and gives up after the last attempt", async () => {
    vi.stubGlobal("XMLHttpRequest", ScriptedXhr);
    ScriptedXhr.outcomes = [{ status: 415, body: { error: { code: "unsupported_media_type", message: "not a JPEG" } } }];
    const api = new Api("http://127.0.0.1:8000", devSession("alice"));
    await expect(api.upload(request([], []), 4, async () => undefined)).rejects.toMatchObject({
      code: "unsupported_media_type",
    });
    expect(ScriptedXhr.sent).toHaveLength(1);

    ScriptedXhr.outcomes = ["network", "network"];
    await expect(api.upload(request([], []), 2, async () => undefined)).rejects.toMatchObject({ code: "network" });
    expect(ScriptedXhr.sent).toHaveLength(3);
  });
});

describe("upload, slow or abandoned", () => {
  const photo = (signal?: AbortSignal) => ({
    file: new Blob(["jpeg"], { type: "image/jpeg" }),
    fileName: "card.jpg",
    type: "ktp" as const,
    idempotencyKey: "web-key-2",
    signal,
  });
  const accepted = { id: "e".repeat(32), status: "queued", type: "ktp", correlation_id: "c" };

  it("waits for the first request with the key while the API still processes it", async () => {
    vi.stubGlobal("XMLHttpRequest", ScriptedXhr);
    ScriptedXhr.outcomes = [
      { status: 409, body: { error: { code: "upload_in_progress", message: "the first is still running" } } },
      { status: 202, body: accepted },
    ];
    const api = new Api("http://127.0.0.1:8000", devSession("alice"));
    expect((await api.upload(photo(), 4, async () => undefined)).id).toBe(accepted.id);
    expect(ScriptedXhr.sent.map((s) => s.headers["Idempotency-Key"])).toEqual(["web-key-2", "web-key-2"]);
  });

  it("gives up on an upload whose bytes stopped moving, and retries it", async () => {
    vi.useFakeTimers();
    vi.stubGlobal("XMLHttpRequest", ScriptedXhr);
    ScriptedXhr.outcomes = ["hang", { status: 202, body: accepted }];
    const api = new Api("http://127.0.0.1:8000", devSession("alice"));
    const done = api.upload(photo(), 4, async () => undefined);
    await vi.advanceTimersByTimeAsync(STALL_MS + 10);
    expect((await done).id).toBe(accepted.id);
    expect(ScriptedXhr.aborted).toBe(1);
  });

  it("stops, and does not retry, when the person leaves the screen", async () => {
    vi.stubGlobal("XMLHttpRequest", ScriptedXhr);
    ScriptedXhr.outcomes = ["hang", { status: 202, body: accepted }];
    const leaving = new AbortController();
    const api = new Api("http://127.0.0.1:8000", devSession("alice"));
    const done = api.upload(photo(leaving.signal), 4, async () => undefined);
    await vi.waitFor(() => expect(ScriptedXhr.sent).toHaveLength(1)); // in flight
    leaving.abort();
    await expect(done).rejects.toMatchObject({ code: "aborted" });
    expect(ScriptedXhr.sent).toHaveLength(1);
    expect(ScriptedXhr.aborted).toBe(1);
  });
});

describe("dev session", () => {
  it("refuses a name the API would refuse", () => {
    expect(() => devSession("alice smith")).toThrow();
    expect(() => devSession("x".repeat(65))).toThrow();
  });
});
