// Small pieces every page uses: loading data, showing errors, titles, dates, badges.

import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./api";

export interface Data<T> {
  data?: T;
  error?: ApiError | Error;
  loading: boolean;
  reload: () => void;
}

/** useData runs load whenever key changes and keeps the latest answer only. */
export function useData<T>(key: string, load: (signal: AbortSignal) => Promise<T>): Data<T> {
  const [state, set] = useState<{ key: string; data?: T; error?: Error }>({ key: "" });
  const [n, setN] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    load(ctl.signal).then(
      (data) => set({ key, data }),
      (error: Error) => {
        if (error.name !== "AbortError") set({ key, error });
      },
    );
    return () => ctl.abort();
    // load is a fresh closure on every render; key says when it changes.
  }, [key, n]);
  const fresh = state.key === key;
  return {
    data: fresh ? state.data : undefined,
    error: fresh ? state.error : undefined,
    loading: !fresh,
    reload: () => setN((x) => x + 1),
  };
}

/** useTitle sets the document title, which the route announcer reads out. */
export function useTitle(title: string) {
  useEffect(() => {
    const short = title.length > 70 ? title.slice(0, 69) + "…" : title;
    document.title = short ? `${short} · CivicQ` : "CivicQ";
  }, [title]);
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ error, retry }: { error: Error; retry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{error.message || "Something went wrong."}</p>
      {retry && error instanceof ApiError && (error.status === 0 || error.status >= 500) && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Page wraps a page's content under its one h1. */
export function Page({ title, children, lead }: { title: string; lead?: ComponentChildren; children?: ComponentChildren }) {
  useTitle(title);
  return (
    <>
      <h1 class={title.length > 80 ? "long" : undefined}>{title}</h1>
      {lead && <p class="lead">{lead}</p>}
      {children}
    </>
  );
}

export function VerifiedBadge() {
  return (
    <span class="badge verified" title="The candidate claimed this profile and the city verified it">
      <span aria-hidden="true">✓</span> Verified
    </span>
  );
}

const statusText: Record<string, string> = {
  pending: "Waiting for moderation",
  approved: "Published",
  rejected: "Rejected",
  merged: "Merged",
  none: "Not answered yet",
  draft: "Recording",
  uploading: "Uploading",
  processing: "Processing",
  published: "Answered",
  failed: "Upload failed",
  unclaimed: "Unclaimed",
  verified: "Verified",
};

export function StatusBadge({ status }: { status: string }) {
  return <span class={"badge status-" + status}>{statusText[status] ?? status}</span>;
}

/** formatDate shows an election day (YYYY-MM-DD) as written, whatever the reader's time zone. */
export function formatDay(day: string): string {
  const d = new Date(day + "T12:00:00Z");
  if (Number.isNaN(d.getTime())) return day;
  return d.toLocaleDateString(undefined, { timeZone: "UTC", weekday: "long", year: "numeric", month: "long", day: "numeric" });
}

export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function plural(n: number, one: string, many = one + "s"): string {
  return `${n} ${n === 1 ? one : many}`;
}
