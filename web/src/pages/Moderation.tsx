// Moderators' and city admins' pages (loaded on demand), and the public
// moderation log: the queue of pending and reported content with approve,
// reject with a reason, merge and report review; the city's pending candidate
// claims; and every decision with its reason, never who made it.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, cityPath } from "../api";
import codes from "../codes.json";
import { useSession } from "../auth";
import type { Claim, LogEntry, LogPage, Me, QueueItem, QueuePage, QuestionList, SimilarQuestion } from "../types";
import { ErrorNote, Loading, Page, StatusBadge, formatTime, plural, useData } from "../ui";
import { contestHref } from "./Ballot";
import { candidateHref } from "./Candidate";
import { questionHref } from "./Contest";
import { codeLabel } from "../components/Report";

export function moderationHref(city: string) {
  return `/${encodeURIComponent(city)}/moderation`;
}
export function logHref(city: string) {
  return `/${encodeURIComponent(city)}/moderation/log`;
}
export function claimsHref(city: string) {
  return `/${encodeURIComponent(city)}/claims`;
}

/** useRole tells whether the signed-in caller holds one of roles in city. */
function useRole(city: string, roles: string[]) {
  const session = useSession();
  const me = useData("me:" + (session?.subject ?? ""), (signal) =>
    session ? api<Me>("/me", { signal, auth: true }) : Promise.resolve(null),
  );
  const ok = !!me.data?.roles.some((r) => r.city === city && roles.includes(r.role));
  return { session, loading: me.loading, ok };
}

function NoRole({ signedIn, what }: { signedIn: boolean; what: string }) {
  return signedIn ? (
    <p class="notice">This page is for the city's {what}.</p>
  ) : (
    <p class="notice">
      <a href={"/signin?next=" + encodeURIComponent(location.pathname)}>Sign in</a> as one of the city's {what}.
    </p>
  );
}

/** A reason: a code from the list and a text (required unless optional). */
function ReasonFields({
  id,
  list,
  code,
  text,
  setCode,
  setText,
  textRequired,
  errors,
}: {
  id: string;
  list: string[];
  code: string;
  text: string;
  setCode: (s: string) => void;
  setText: (s: string) => void;
  textRequired: boolean;
  errors: Record<string, string>;
}) {
  return (
    <>
      <div class="field">
        <label for={id + "-code"}>Reason</label>
        <select
          id={id + "-code"}
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          aria-invalid={errors.reasonCode ? true : undefined}
          aria-describedby={errors.reasonCode ? id + "-code-error" : undefined}
        >
          <option value="">Choose a reason…</option>
          {list.map((c) => (
            <option key={c} value={c}>
              {codeLabel(c)}
            </option>
          ))}
        </select>
        {errors.reasonCode && (
          <p class="field-error" id={id + "-code-error"}>
            {errors.reasonCode}
          </p>
        )}
      </div>
      <div class="field">
        <label for={id + "-text"}>{textRequired ? "Explanation (shown to the author and on the public log)" : "Note (optional, public)"}</label>
        <textarea
          id={id + "-text"}
          rows={2}
          maxLength={500}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-invalid={errors.reasonText ? true : undefined}
          aria-describedby={errors.reasonText ? id + "-text-error" : undefined}
        />
        {errors.reasonText && (
          <p class="field-error" id={id + "-text-error"}>
            {errors.reasonText}
          </p>
        )}
      </div>
    </>
  );
}

/** fieldErrors turns an API 400's fields into messages by field. */
function fieldErrors(err: unknown): Record<string, string> {
  return err instanceof ApiError ? Object.fromEntries(err.fields.map((f) => [f.field, f.message])) : {};
}

export function ModerationQueue({ city }: { city: string }) {
  const role = useRole(city, ["moderator", "city_admin"]);
  const [n, setN] = useState(0);
  const first = useData(`queue:${city}:${n}:${role.ok}`, (signal) =>
    role.ok ? api<QueuePage>(cityPath(city, "moderation", "queue"), { signal, auth: true }) : Promise.resolve(null),
  );
  const [done, setDone] = useState<Record<string, string>>({});
  const [more, setMore] = useState<{ items: QueueItem[]; next?: string; busy: boolean }>({ items: [], busy: false });
  const note = useRef<HTMLParagraphElement>(null);
  const [last, setLast] = useState("");
  useEffect(() => setMore({ items: [], busy: false }), [first.data]);

  if (role.loading) return <Page title="Moderation queue">{<Loading what="your roles" />}</Page>;
  if (!role.ok) {
    return (
      <Page title="Moderation queue">
        <NoRole signedIn={!!role.session} what="moderators" />
      </Page>
    );
  }
  const items = [...(first.data?.items ?? []), ...more.items];
  const next = more.items.length > 0 ? more.next : first.data?.next;
  function finished(item: QueueItem, what: string) {
    setDone((d) => ({ ...d, [item.targetType + item.targetId]: what }));
    setLast(what);
    setTimeout(() => note.current?.focus(), 0);
  }
  async function loadMore() {
    if (!next) return;
    setMore((m) => ({ ...m, busy: true }));
    const p = await api<QueuePage>(cityPath(city, "moderation", "queue") + "?cursor=" + encodeURIComponent(next), { auth: true }).catch(
      () => null,
    );
    setMore((m) => ({ items: [...m.items, ...(p?.items ?? [])], next: p?.next, busy: false }));
  }
  const open = items.filter((i) => !done[i.targetType + i.targetId]);
  return (
    <Page title="Moderation queue" lead="Pending questions and reported content, oldest first. Every decision and its reason goes on the public log.">
      <p>
        <a href={logHref(city)}>The public moderation log</a>
      </p>
      <p class="sr" ref={note} tabIndex={-1} role="status">
        {last}
      </p>
      {first.loading && <Loading what="the queue" />}
      {first.error && <ErrorNote error={first.error} retry={first.reload} />}
      {first.data && open.length === 0 && (
        <p>
          Nothing is waiting. <button type="button" class="link" onClick={() => setN((x) => x + 1)}>Check again</button>
        </p>
      )}
      <ol class="cards queue-items">
        {open.map((item) => (
          <QueueCard key={item.targetType + item.targetId} city={city} item={item} onDone={(what) => finished(item, what)} />
        ))}
      </ol>
      {Object.values(done).length > 0 && (
        <p class="meta">{plural(Object.values(done).length, "item")} handled on this page.</p>
      )}
      {next && (
        <button type="button" onClick={loadMore} disabled={more.busy}>
          {more.busy ? "Loading…" : "More items"}
        </button>
      )}
    </Page>
  );
}

type Action = "" | "reject" | "merge" | "uphold";

function QueueCard({ city, item, onDone }: { city: string; item: QueueItem; onDone: (what: string) => void }) {
  const [action, setAction] = useState<Action>("");
  const [code, setCode] = useState("");
  const [text, setText] = useState("");
  const [into, setInto] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const reported = item.openReports > 0;
  const isQuestion = item.targetType === "question";
  const label = isQuestion ? item.text ?? "A question" : "A video answer";
  const headingId = "item-" + item.targetId;

  async function run(path: string, body: unknown, what: string) {
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await api(path, { method: "POST", auth: true, body });
      onDone(what);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  function check(needCode: boolean, needText: boolean): boolean {
    const e: Record<string, string> = {};
    if (needCode && !code) e.reasonCode = "Choose a reason.";
    if (needText && !text.trim()) e.reasonText = "Explain the decision: the author and the public log see it.";
    setErrors(e);
    return Object.keys(e).length === 0;
  }
  const q = (verb: string) => cityPath(city, "questions", item.targetId, verb);
  const review = (decision: "dismiss" | "uphold") =>
    run(
      cityPath(city, "reports", "decision"),
      { targetType: item.targetType, targetId: item.targetId, decision, ...(decision === "uphold" ? { reasonCode: code, reasonText: text.trim() } : {}) },
      decision === "dismiss" ? `Reports dismissed: "${label}" is shown again.` : `Reports upheld: "${label}" stays hidden.`,
    );

  return (
    <li class="card" aria-labelledby={headingId}>
      <h2 id={headingId} class="q-text">
        {isQuestion ? item.text : "Video answer"}
      </h2>
      <p class="meta">
        <StatusBadge status={item.status} />
        {item.hidden && <span class="badge status-rejected">Hidden</span>}
        <span>Waiting since {formatTime(item.since)}</span>
        {item.appealedAt && <span>Appealed by the author</span>}
        <a href={contestHref(city, item.contestId)}>The contest</a>
        {!isQuestion && item.questionId && <a href={questionHref(city, item.questionId)}>The question</a>}
      </p>
      {item.rejectionReason && (
        <p>
          Rejected earlier ({codeLabel(item.rejectionCode ?? "")}): {item.rejectionReason}
        </p>
      )}
      {reported && (
        <p>
          <strong>{plural(item.openReports, "open report")}:</strong> {item.reportReasons.map(codeLabel).join(", ")}
        </p>
      )}
      {error && <ErrorNote error={error} />}
      <div class="actions">
        {reported ? (
          <>
            <button type="button" disabled={busy} onClick={() => review("dismiss")}>
              Dismiss the reports
            </button>
            <button type="button" class="secondary" disabled={busy} aria-expanded={action === "uphold"} onClick={() => setAction("uphold")}>
              Uphold…
            </button>
          </>
        ) : (
          <>
            {item.status === "pending" && (
              <button type="button" disabled={busy} onClick={() => run(q("approve"), undefined, `Approved: "${label}".`)}>
                Approve
              </button>
            )}
            <button type="button" class="secondary" disabled={busy} aria-expanded={action === "reject"} onClick={() => setAction("reject")}>
              Reject…
            </button>
            {isQuestion && (
              <button type="button" class="secondary" disabled={busy} aria-expanded={action === "merge"} onClick={() => setAction("merge")}>
                Merge…
              </button>
            )}
          </>
        )}
      </div>
      {(action === "reject" || action === "uphold") && (
        <form
          class="decision"
          onSubmit={(e) => {
            e.preventDefault();
            if (!check(true, true)) return;
            if (action === "reject") void run(q("reject"), { reasonCode: code, reasonText: text.trim() }, `Rejected: "${label}".`);
            else void review("uphold");
          }}
          aria-label={action === "reject" ? "Reject with a reason" : "Uphold the reports with a reason"}
        >
          <ReasonFields
            id={"r-" + item.targetId}
            list={codes.rejectionCodes}
            code={code}
            text={text}
            setCode={setCode}
            setText={setText}
            textRequired
            errors={errors}
          />
          <button type="submit" disabled={busy}>
            {action === "reject" ? "Reject the question" : "Uphold the reports"}
          </button>{" "}
          <button type="button" class="secondary" onClick={() => setAction("")}>
            Cancel
          </button>
        </form>
      )}
      {action === "merge" && (
        <form
          class="decision"
          aria-label="Merge into another question"
          onSubmit={(e) => {
            e.preventDefault();
            if (!into) {
              setErrors({ into: "Choose the question to merge into." });
              return;
            }
            void run(q("merge"), { into, reasonText: text.trim() || undefined }, `Merged: "${label}".`);
          }}
        >
          <MergeTargets city={city} item={item} into={into} setInto={setInto} error={errors.into} />
          <div class="field">
            <label for={"m-" + item.targetId}>Note (optional, public)</label>
            <textarea id={"m-" + item.targetId} rows={2} maxLength={500} value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </div>
          <button type="submit" disabled={busy}>
            Merge into the chosen question
          </button>{" "}
          <button type="button" class="secondary" onClick={() => setAction("")}>
            Cancel
          </button>
        </form>
      )}
    </li>
  );
}

/** MergeTargets lists the approved questions of the contest closest to the item, then the top ones. */
function MergeTargets({
  city,
  item,
  into,
  setInto,
  error,
}: {
  city: string;
  item: QueueItem;
  into: string;
  setInto: (id: string) => void;
  error?: string;
}) {
  const list = useData("merge:" + item.targetId, async (signal) => {
    const base = cityPath(city, "contests", item.contestId, "questions");
    const [similar, top] = await Promise.all([
      api<{ similar: SimilarQuestion[] }>(base + "/similar?q=" + encodeURIComponent((item.text ?? "").slice(0, 500)), { signal }),
      api<QuestionList>(base + "?sort=top", { signal }),
    ]);
    const out: { id: string; text: string }[] = [];
    const seen = new Set([item.targetId]);
    for (const q of [...similar.similar.filter((s) => !s.status || s.status === "approved"), ...top.questions]) {
      if (!seen.has(q.id)) {
        seen.add(q.id);
        out.push({ id: q.id, text: q.text });
      }
    }
    return out;
  });
  if (list.loading) return <Loading what="questions to merge into" />;
  if (list.error) return <ErrorNote error={list.error} retry={list.reload} />;
  const name = "into-" + item.targetId;
  return (
    <fieldset aria-describedby={error ? name + "-error" : undefined}>
      <legend>Merge into (the closest published questions first)</legend>
      {list.data!.length === 0 && <p>No published question in this contest to merge into.</p>}
      {list.data!.map((q) => (
        <label key={q.id} class="radio">
          <input type="radio" name={name} value={q.id} checked={into === q.id} onChange={() => setInto(q.id)} /> {q.text}
        </label>
      ))}
      {error && (
        <p class="field-error" id={name + "-error"}>
          {error}
        </p>
      )}
    </fieldset>
  );
}

export function Claims({ city }: { city: string }) {
  const role = useRole(city, ["city_admin"]);
  const [n, setN] = useState(0);
  const claims = useData(`claims:${city}:${n}:${role.ok}`, (signal) =>
    role.ok ? api<{ claims: Claim[] }>(cityPath(city, "claims"), { signal, auth: true }) : Promise.resolve(null),
  );
  const [last, setLast] = useState("");
  if (role.loading) return <Page title="Candidate claims">{<Loading what="your roles" />}</Page>;
  if (!role.ok) {
    return (
      <Page title="Candidate claims">
        <NoRole signedIn={!!role.session} what="admins" />
      </Page>
    );
  }
  return (
    <Page title="Candidate claims" lead="Residents who say they are a candidate, with the filing id they gave. Check it against the filings before you approve.">
      <p role="status">{last}</p>
      {claims.loading && <Loading what="claims" />}
      {claims.error && <ErrorNote error={claims.error} retry={claims.reload} />}
      {claims.data && claims.data.claims.length === 0 && <p>No claim is waiting.</p>}
      <ul class="cards">
        {claims.data?.claims.map((c) => (
          <ClaimCard
            key={c.candidateId}
            city={city}
            claim={c}
            onDone={(what) => {
              setLast(what);
              setN((x) => x + 1);
            }}
          />
        ))}
      </ul>
    </Page>
  );
}

function ClaimCard({ city, claim: c, onDone }: { city: string; claim: Claim; onDone: (what: string) => void }) {
  const [rejecting, setRejecting] = useState(false);
  const [code, setCode] = useState("");
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const headingId = "claim-" + c.candidateId;
  async function decide(body: Record<string, string>, what: string) {
    setBusy(true);
    setError(null);
    try {
      await api(cityPath(city, "candidates", c.candidateId, "claim", "decision"), { method: "POST", auth: true, body });
      onDone(what);
    } catch (err) {
      setErrors(fieldErrors(err));
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{c.candidateName}</h2>
      <dl class="facts">
        <dt>Filing id</dt>
        <dd>
          <code>{c.filingId}</code>
        </dd>
        <dt>Claimed by</dt>
        <dd>
          {c.claimantName || "(no name)"} &lt;{c.claimantEmail}&gt;
        </dd>
        <dt>Claimed</dt>
        <dd>{formatTime(c.claimedAt)}</dd>
      </dl>
      {error && <ErrorNote error={error} />}
      <div class="actions">
        <button type="button" disabled={busy} onClick={() => decide({ decision: "approve" }, `Approved: ${c.candidateName} is verified.`)}>
          Approve<span class="sr"> the claim of {c.candidateName}</span>
        </button>
        <button type="button" class="secondary" disabled={busy} aria-expanded={rejecting} onClick={() => setRejecting(true)}>
          Reject…<span class="sr"> the claim of {c.candidateName}</span>
        </button>
      </div>
      {rejecting && (
        <form
          class="decision"
          aria-label={"Reject the claim of " + c.candidateName}
          onSubmit={(e) => {
            e.preventDefault();
            const errs: Record<string, string> = {};
            if (!code) errs.reasonCode = "Choose a reason.";
            if (!text.trim()) errs.reasonText = "Explain the decision: the claimant and the public log see it.";
            setErrors(errs);
            if (Object.keys(errs).length === 0)
              void decide({ decision: "reject", reasonCode: code, reasonText: text.trim() }, `Rejected the claim of ${c.candidateName}.`);
          }}
        >
          <ReasonFields
            id={"c-" + c.candidateId}
            list={codes.claimRejectionCodes}
            code={code}
            text={text}
            setCode={setCode}
            setText={setText}
            textRequired
            errors={errors}
          />
          <button type="submit" disabled={busy}>
            Reject the claim
          </button>
        </form>
      )}
    </li>
  );
}

const actionText: Record<string, string> = {
  approve: "Approved",
  reject: "Rejected",
  merge: "Merged",
  hide: "Hidden after reports",
  unhide: "Shown again",
  dismiss_report: "Reports dismissed",
  uphold_report: "Reports upheld",
  appeal: "Appealed",
  approve_claim: "Candidate claim approved",
  reject_claim: "Candidate claim rejected",
};

// Decisions after which a question is public: the log links to it (a rejected,
// hidden or merged question has no public page).
const shown = new Set(["approve", "unhide", "dismiss_report"]);

const roleText: Record<string, string> = {
  moderator: "A moderator",
  city_admin: "A city admin",
  system: "Automatically",
  author: "The author",
};

/** ModerationLog is the city's public log: what was decided, by which role, why; never by whom. */
export function ModerationLog({ city }: { city: string }) {
  const first = useData("log:" + city, (signal) => api<LogPage>(cityPath(city, "moderation", "log"), { signal }));
  const [more, setMore] = useState<{ items: LogEntry[]; next?: string; busy: boolean }>({ items: [], busy: false });
  const entries = [...(first.data?.entries ?? []), ...more.items];
  const next = more.items.length > 0 ? more.next : first.data?.next;
  async function loadMore() {
    if (!next) return;
    setMore((m) => ({ ...m, busy: true }));
    const p = await api<LogPage>(cityPath(city, "moderation", "log") + "?cursor=" + encodeURIComponent(next)).catch(() => null);
    setMore((m) => ({ items: [...m.items, ...(p?.entries ?? [])], next: p?.next, busy: false }));
  }
  return (
    <Page
      title="Moderation log"
      lead="Every decision on questions, answers and candidate claims in this city, newest first, with its reason. It names the role that acted, never the person."
    >
      <p>
        <a href={"/" + encodeURIComponent(city)}>← The ballot</a>
      </p>
      {first.loading && <Loading what="the log" />}
      {first.error && <ErrorNote error={first.error} retry={first.reload} />}
      {first.data && entries.length === 0 && <p>No decisions yet.</p>}
      <ol class="cards log">
        {entries.map((e) => (
          <li key={e.id} class="card">
            <p>
              <strong>{actionText[e.action] ?? e.action}</strong> · {roleText[e.actorRole] ?? e.actorRole} ·{" "}
              <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time>
            </p>
            <p class="meta">
              <span>
                {e.targetType === "question" && shown.has(e.action) ? (
                  <a href={questionHref(city, e.targetId)}>A question</a>
                ) : e.targetType === "question" ? (
                  "A question"
                ) : e.targetType === "answer" ? (
                  "A video answer"
                ) : e.targetType === "candidate" ? (
                  <a href={candidateHref(city, e.targetId)}>A candidate record</a>
                ) : (
                  e.targetType
                )}
              </span>
              {e.relatedId && (
                <span>
                  into <a href={questionHref(city, e.relatedId)}>another question</a>
                </span>
              )}
              {e.reasonCode && <span class="tag">{codeLabel(e.reasonCode)}</span>}
            </p>
            {e.reasonText && <p class="reason">{e.reasonText}</p>}
          </li>
        ))}
      </ol>
      {next && (
        <button type="button" onClick={loadMore} disabled={more.busy}>
          {more.busy ? "Loading…" : "Older decisions"}
        </button>
      )}
    </Page>
  );
}
