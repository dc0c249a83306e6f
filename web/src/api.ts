/**
 * The API client: every call authenticated by the session, every failure turned into an ApiFailure carrying the
 * API's machine-readable code (so the screen can say what to do), never a raw exception.
 */

import { SessionExpired, type Session } from "./auth";
import { isRetryable, retryDelayMs } from "./timing";

export interface CaptureHint {
  code: string;
  advice: string;
}

export interface Reason {
  code: string;
  points: number;
  max_points: number;
  detail: string;
  blocking: boolean;
}

export interface OwnerEvent {
  at: string;
  status: string;
  by: "you" | "reviewer" | "automatic" | string;
}

export interface OwnerDocument {
  id: string;
  type: string;
  status: string;
  score: number | null;
  decision: string | null;
  reasons: Reason[];
  capture: CaptureHint[];
  fields: Record<string, string>;
  error: { code: string | null; message: string | null } | null;
  created_at: string;
  updated_at: string;
  decided_at: string | null;
  history: OwnerEvent[];
}

export interface DocumentSummary {
  id: string;
  type: string;
  status: string;
  decision: string | null;
  created_at: string;
  updated_at: string;
}

export interface DocumentPage {
  documents: DocumentSummary[];
  next_cursor: string | null;
}

export interface Accepted {
  id: string;
  status: string;
  type: string;
  correlation_id: string;
}

export interface Export {
  owner: string;
  exported_at: string;
  retention: { images_days: number; personal_data_days: number };
  documents: unknown[];
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: string | null = null,
  ) {
    super(message);
  }
}

/** Anything a call threw, as the failure the screens show: an unexpected exception reads as a lost connection. */
export function asFailure(error: unknown): ApiFailure {
  return error instanceof ApiFailure ? error : new ApiFailure(0, "network", String(error));
}

/** The API's error body is {"error": {"code", "message"}}; anything else (a proxy's HTML page) gets a generic code. */
export async function failureFrom(response: Response): Promise<ApiFailure> {
  let code = response.status === 429 ? "rate_limited" : `http_${response.status}`;
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string") message = body.error.message;
  } catch {
    // not JSON: keep the status-based code
  }
  return new ApiFailure(response.status, code, message, response.headers.get("Retry-After"));
}

export interface UploadRequest {
  file: Blob;
  fileName: string;
  type: "ktp" | "npwp";
  idempotencyKey: string;
  onProgress?: (fraction: number) => void;
  onRetry?: (attempt: number, failure: ApiFailure) => void;
  /** Aborted when the person leaves the screen: the request and any retry stop. */
  signal?: AbortSignal;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new ApiFailure(0, "aborted", "cancelled"));
    });
  });

/** An upload whose bytes stopped moving for this long is given up (and retried): a slow line that still moves
 * is never cut off, as a total timeout would cut a large photo on a slow network. */
export const STALL_MS = 30_000;

/** The one code the API answers while the same key's first request is still being processed: worth waiting for. */
const STILL_PROCESSING = new Set(["upload_in_progress", "submit_in_progress"]);

export interface ApiOptions {
  fetcher?: typeof fetch;
  /** Called with every 401 (an expired or refused session), so the app can send the person to sign in again. */
  onUnauthorized?: (failure: ApiFailure) => void;
}

export class Api {
  private readonly fetcher: typeof fetch;
  private readonly onUnauthorized: (failure: ApiFailure) => void;

  constructor(
    readonly baseUrl: string,
    private readonly session: Session,
    options: ApiOptions = {},
  ) {
    this.fetcher = options.fetcher ?? ((...args) => fetch(...args));
    this.onUnauthorized = options.onUnauthorized ?? (() => undefined);
  }

  /** The session's headers; a session that cannot be renewed is a 401 like any refused token. */
  private async authHeaders(): Promise<Record<string, string>> {
    try {
      return await this.session.headers();
    } catch (error) {
      const failure = new ApiFailure(401, "session_expired", error instanceof SessionExpired ? error.message : String(error));
      this.onUnauthorized(failure);
      throw failure;
    }
  }

  private refused(failure: ApiFailure): ApiFailure {
    if (failure.status === 401) this.onUnauthorized(failure);
    return failure;
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.send(method, path, body);
    return (await response.json()) as T;
  }

  async send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { ...(await this.authHeaders()) };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await this.fetcher(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", // the bearer token authenticates; no cookie ever goes to the API
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
    } catch {
      throw new ApiFailure(0, "network", "the API could not be reached");
    }
    if (!response.ok) throw this.refused(await failureFrom(response));
    return response;
  }

  document(id: string): Promise<OwnerDocument> {
    return this.json("GET", `/v1/documents/${encodeURIComponent(id)}`);
  }

  documents(cursor?: string | null): Promise<DocumentPage> {
    const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    return this.json("GET", `/v1/documents${query}`);
  }

  appeal(id: string, note: string | null): Promise<OwnerDocument> {
    return this.json("POST", `/v1/documents/${encodeURIComponent(id)}/appeal`, note ? { note } : {});
  }

  async deleteDocument(id: string): Promise<void> {
    await this.send("DELETE", `/v1/documents/${encodeURIComponent(id)}`);
  }

  exportMine(): Promise<Export> {
    return this.json("GET", "/v1/me/export");
  }

  deleteMe(): Promise<{ erased: number }> {
    return this.json("DELETE", "/v1/me");
  }

  /**
   * Multipart upload with progress (XMLHttpRequest: fetch reports no upload progress), retried on a lost or stalled
   * connection, 429, 502-504 and "the first request with this key is still being processed" with the same
   * Idempotency-Key, so a retry of a request that did arrive answers the first document instead of making a second.
   */
  async upload(request: UploadRequest, attempts = 4, wait: Sleep = sleep): Promise<Accepted> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.uploadOnce(request);
      } catch (error) {
        const failure = asFailure(error);
        const again = isRetryable(failure.status) || STILL_PROCESSING.has(failure.code);
        if (failure.code === "aborted" || !again || attempt >= attempts) throw this.refused(failure);
        request.onRetry?.(attempt, failure);
        await wait(retryDelayMs(attempt, failure.retryAfter), request.signal);
      }
    }
  }

  private async uploadOnce(request: UploadRequest): Promise<Accepted> {
    if (request.signal?.aborted) throw new ApiFailure(0, "aborted", "cancelled");
    const headers = await this.authHeaders();
    const form = new FormData();
    form.append("type", request.type);
    form.append("file", request.file, request.fileName);
    return new Promise<Accepted>((resolve, reject) => {
      if (request.signal?.aborted) {
        reject(new ApiFailure(0, "aborted", "cancelled")); // left while the session's headers were awaited
        return;
      }
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${this.baseUrl}/v1/documents`);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.setRequestHeader("Idempotency-Key", request.idempotencyKey);
      xhr.withCredentials = false;
      let stalled: ReturnType<typeof setTimeout> | undefined;
      const settle = () => clearTimeout(stalled);
      const watch = () => {
        clearTimeout(stalled);
        stalled = setTimeout(() => {
          xhr.abort();
          reject(new ApiFailure(0, "network", "the upload stalled"));
        }, STALL_MS);
      };
      const cancel = () => {
        settle();
        xhr.abort();
        reject(new ApiFailure(0, "aborted", "cancelled"));
      };
      request.signal?.addEventListener("abort", cancel, { once: true });
      xhr.upload.onprogress = (event) => {
        watch();
        if (event.lengthComputable) request.onProgress?.(event.loaded / event.total);
      };
      xhr.onerror = () => {
        settle();
        reject(new ApiFailure(0, "network", "the upload was interrupted"));
      };
      xhr.onload = () => {
        settle();
        request.signal?.removeEventListener("abort", cancel);
        const response = new Response(xhr.responseText || null, {
          status: xhr.status,
          headers: { "Retry-After": xhr.getResponseHeader("Retry-After") ?? "" },
        });
        if (xhr.status >= 200 && xhr.status < 300) {
          request.onProgress?.(1);
          response.json().then((body) => resolve(body as Accepted), reject);
        } else {
          failureFrom(response).then((failure) =>
            reject(new ApiFailure(failure.status, failure.code, failure.message, xhr.getResponseHeader("Retry-After"))),
          );
        }
      };
      watch();
      xhr.send(form);
    });
  }
}
