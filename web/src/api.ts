// Calls to CivicQ's API under /api. Public reads go out without a token so that
// CloudFront can serve one cached copy to everyone; caller routes carry the ID
// token as a Bearer token, as the HTTP API's JWT authorizer expects.

import { idToken } from "./auth";
import { config } from "./config";
import type { FieldError } from "./types";

/** ApiError is a 4xx/5xx answer, with the API's error code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly existingQuestionId?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

interface Options {
  method?: "GET" | "POST" | "PUT";
  body?: unknown;
  /** auth sends the ID token; required for caller routes. */
  auth?: boolean;
  signal?: AbortSignal;
}

export async function api<T>(path: string, opts: Options = {}): Promise<T> {
  const { apiBase } = await config();
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.auth) {
    const token = await idToken();
    if (!token) throw new ApiError(401, "signed_out", "Please sign in first.");
    headers.Authorization = "Bearer " + token;
  }
  let res: Response;
  try {
    res = await fetch(apiBase + path, {
      method: opts.method ?? "GET",
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, "network", "Could not reach CivicQ. Check your connection and try again.");
  }
  const data = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) throw toError(res, data);
  return data as T;
}

function toError(res: Response, data: unknown): ApiError {
  const retry = Number(res.headers.get("Retry-After")) || undefined;
  const e = (data as { error?: Record<string, unknown> } | null)?.error;
  if (e && typeof e.code === "string") {
    return new ApiError(
      res.status,
      e.code,
      String(e.message ?? ""),
      Array.isArray(e.fields) ? (e.fields as FieldError[]) : [],
      typeof e.existingQuestionId === "string" ? e.existingQuestionId : undefined,
      retry,
    );
  }
  // API Gateway's own answers ({"message": "Unauthorized"}) have no code.
  const gw = (data as { message?: string } | null)?.message;
  const code = res.status === 401 ? "unauthorized" : "http_" + res.status;
  const msg =
    res.status === 401
      ? "Your session has expired or is not valid. Please sign in again."
      : gw || `CivicQ answered ${res.status}. Please try again.`;
  return new ApiError(res.status, code, msg, [], undefined, retry);
}

/** cityPath builds /cities/{slug}/... with each segment escaped. */
export function cityPath(city: string, ...rest: string[]): string {
  return ["", "cities", city, ...rest].map(encodeURIComponent).join("/");
}
