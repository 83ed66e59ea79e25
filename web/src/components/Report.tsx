// "Report": a resident flags a question or a video answer for the moderators,
// with a reason from the fixed list. Once reported by enough residents the item
// is hidden until a moderator reviews it.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, cityPath } from "../api";
import { useSession } from "../auth";
import codes from "../codes.json";
import { navigate } from "../router";

/** codeLabel shows a reason code ("not-a-question") as words ("Not a question"). */
export function codeLabel(code: string): string {
  const s = code.replace(/[-_]/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

interface Props {
  city: string;
  targetType: "question" | "answer";
  targetId: string;
  /** what names the item for screen readers ("this question", "Dana Whitfield's answer"). */
  what: string;
}

export function Report({ city, targetType, targetId, what }: Props) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [details, setDetails] = useState("");
  const [error, setError] = useState("");
  const [sent, setSent] = useState("");
  const [busy, setBusy] = useState(false);
  const select = useRef<HTMLSelectElement>(null);
  const id = "report-" + targetId;
  useEffect(() => {
    if (open) select.current?.focus();
  }, [open]);

  if (sent) {
    return (
      <p class="report-sent" role="status">
        {sent}
      </p>
    );
  }
  async function submit(e: Event) {
    e.preventDefault();
    if (!reason) {
      setError("Choose a reason.");
      return;
    }
    setBusy(true);
    setError("");
    try {
      await api(cityPath(city, "reports"), {
        method: "POST",
        auth: true,
        body: { targetType, targetId, reason, details: details.trim() || undefined },
      });
      setSent("Thank you: the moderators will review it.");
    } catch (err) {
      if (err instanceof ApiError && err.code === "already_reported") setSent(err.message);
      else setError(err instanceof Error ? err.message : "The report did not go through.");
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="report">
      <button
        type="button"
        class="link"
        aria-expanded={open}
        aria-controls={open ? id : undefined}
        onClick={() => {
          if (!session) {
            navigate("/signin?next=" + encodeURIComponent(location.pathname));
            return;
          }
          setOpen(!open);
        }}
      >
        Report<span class="sr"> {what}</span>
      </button>
      {open && (
        <form id={id} onSubmit={submit} class="decision" aria-label={"Report " + what}>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="field">
            <label for={id + "-reason"}>Why should moderators look at it?</label>
            <select id={id + "-reason"} ref={select} value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
              <option value="">Choose a reason…</option>
              {codes.reportReasons.map((r) => (
                <option key={r} value={r}>
                  {codeLabel(r)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for={id + "-details"}>Details (optional)</label>
            <textarea id={id + "-details"} rows={2} maxLength={500} value={details} onInput={(e) => setDetails(e.currentTarget.value)} />
          </div>
          <button type="submit" disabled={busy}>
            Send the report
          </button>{" "}
          <button type="button" class="secondary" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </form>
      )}
    </div>
  );
}
