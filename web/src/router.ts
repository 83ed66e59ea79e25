// A tiny History API router: paths are real URLs (shareable, and the gateway and
// CloudFront answer any non-file path with index.html). Plain <a href> links work:
// a click on a same-origin link is turned into pushState, so the page never
// reloads, and modified clicks (new tab, download) are left to the browser.

import { useEffect, useState } from "preact/hooks";

export interface Location {
  path: string;
  query: URLSearchParams;
}

const listeners = new Set<() => void>();

function current(): Location {
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (opts.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  notify();
}

function notify() {
  listeners.forEach((l) => l());
}

/** useLocation re-renders on navigation. */
export function useLocation(): Location {
  const [loc, set] = useState(current);
  useEffect(() => {
    const on = () => set(current());
    listeners.add(on);
    return () => void listeners.delete(on);
  }, []);
  return loc;
}

/** match returns the named segments of path when it fits pattern ("/:city/contests/:id"). */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split("/").filter(Boolean);
  const xs = path.split("/").filter(Boolean);
  if (ps.length !== xs.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    let x: string;
    try {
      x = decodeURIComponent(xs[i]!);
    } catch {
      return null;
    }
    if (p.startsWith(":")) out[p.slice(1)] = x;
    else if (p !== x) return null;
  }
  return out;
}

/** startRouter intercepts link clicks and back/forward. */
export function startRouter() {
  addEventListener("popstate", notify);
  document.addEventListener("click", (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = (e.target as Element | null)?.closest?.("a");
    if (!a || a.target || a.hasAttribute("download") || a.origin !== location.origin) return;
    // The API and the config file are not pages.
    if (a.pathname.startsWith("/api/") || a.pathname === "/config.json") return;
    // Same page, another fragment (the skip link): the browser scrolls and focuses.
    if (a.pathname + a.search === location.pathname + location.search && a.hash) return;
    e.preventDefault();
    if (a.pathname + a.search !== location.pathname + location.search) navigate(a.pathname + a.search + a.hash);
  });
}
