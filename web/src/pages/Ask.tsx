import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError, cityPath } from "../api";
import { useSession } from "../auth";
import type { AskResponse, ContestPage, FieldError, SimilarQuestion } from "../types";
import { ErrorNote, Loading, Page, StatusBadge, useData } from "../ui";
import { contestHref, contestTitle } from "./Ballot";
import { questionHref } from "./Contest";

// Bounds of a question (shared/domain/question.go).
const TEXT_MIN = 10;
const TEXT_MAX = 500;
const CONTEXT_MAX = 500;
const MAX_TAGS = 5;
// How long typing must pause before similar questions are looked up.
const DEBOUNCE_MS = 300;

export function Ask({ city, contestId }: { city: string; contestId: string }) {
  const session = useSession();
  const page = useData("contest:" + city + ":" + contestId, (signal) =>
    api<ContestPage>(cityPath(city, "contests", contestId), { signal }),
  );
  if (!page.data) {
    return (
      <Page title="Ask a question">
        {page.loading ? <Loading what="the contest" /> : <ErrorNote error={page.error!} retry={page.reload} />}
      </Page>
    );
  }
  const c = page.data.contest;
  const title = contestTitle(c);
  const back = contestHref(city, contestId);
  return (
    <Page title="Ask a question" lead={<>Your question goes to every candidate in <a href={back}>{title}</a>.</>}>
      {!session ? (
        <p class="notice">
          <a href={"/signin?next=" + encodeURIComponent(location.pathname)}>Sign in</a> or{" "}
          <a href="/signup">create an account</a> to ask a question.
        </p>
      ) : !session.emailVerified ? (
        <p class="notice">Verify your e-mail address before you ask a question.</p>
      ) : (
        <AskForm city={city} contestId={contestId} />
      )}
    </Page>
  );
}

function AskForm({ city, contestId }: { city: string; contestId: string }) {
  const [text, setText] = useState("");
  const [context, setContext] = useState("");
  const [tags, setTags] = useState("");
  const [similar, setSimilar] = useState<SimilarQuestion[]>([]);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [done, setDone] = useState<AskResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const doneRef = useRef<HTMLHeadingElement>(null);

  // Live suggestions: look the text up once typing pauses; a newer lookup cancels
  // an older one so answers never arrive out of order.
  useEffect(() => {
    const q = text.trim();
    if (q.length < TEXT_MIN) {
      setSimilar([]);
      return;
    }
    const ctl = new AbortController();
    const t = setTimeout(() => {
      api<{ similar: SimilarQuestion[] }>(
        cityPath(city, "contests", contestId, "questions", "similar") + "?q=" + encodeURIComponent(q.slice(0, TEXT_MAX)),
        { signal: ctl.signal },
      ).then(
        (r) => setSimilar(r.similar ?? []),
        () => {}, // suggestions are a help; a failed lookup is not worth an error
      );
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [text, city, contestId]);

  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  const tagList = tags
    .split(/[,\s]+/)
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);

  function check(): Record<string, string> {
    const f: Record<string, string> = {};
    const n = [...text.trim()].length;
    if (n < TEXT_MIN || n > TEXT_MAX) f.text = `Write ${TEXT_MIN} to ${TEXT_MAX} characters (now ${n}).`;
    if ([...context.trim()].length > CONTEXT_MAX) f.context = `At most ${CONTEXT_MAX} characters.`;
    if (tagList.length > MAX_TAGS) f.tags = `At most ${MAX_TAGS} tags.`;
    else if (tagList.some((t) => !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(t) || t.length > 32))
      f.tags = "Tags are single words of lower-case letters and digits (hyphens inside are fine).";
    return f;
  }

  async function submit(e: Event) {
    e.preventDefault();
    const f = check();
    setFields(f);
    setError(null);
    if (Object.keys(f).length > 0) {
      document.getElementById("q-" + Object.keys(f)[0])?.focus();
      return;
    }
    setBusy(true);
    try {
      const r = await api<AskResponse>(cityPath(city, "contests", contestId, "questions"), {
        method: "POST",
        auth: true,
        body: { text: text.trim(), context: context.trim() || undefined, tags: tagList },
      });
      setDone(r);
    } catch (err) {
      if (err instanceof ApiError && err.fields.length > 0) {
        setFields(Object.fromEntries(err.fields.map((x: FieldError) => [x.field, x.message])));
      }
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    const q = done.question;
    return (
      <div class="done">
        <h2 ref={doneRef} tabIndex={-1}>
          Thank you: your question was received
        </h2>
        <p>
          <StatusBadge status={q.status} />{" "}
          {q.status === "approved" ? (
            <>
              It is published. <a href={questionHref(city, q.id)}>See your question</a>.
            </>
          ) : (
            <>A moderator will review it before it is published. You can follow it on <a href="/me">My questions</a>.</>
          )}
        </p>
        <SimilarList city={city} items={done.similar} heading="Questions close to yours" />
        <p>
          <a href={contestHref(city, contestId)}>Back to the contest</a>
        </p>
      </div>
    );
  }

  const dup = error instanceof ApiError && error.code === "duplicate_question" ? error : null;
  const textCount = [...text].length;
  return (
    <form onSubmit={submit} noValidate>
      {error && !dup && <ErrorNote error={error} />}
      {dup && (
        <div class="error" role="alert">
          <p>
            {dup.message}{" "}
            {dup.existingQuestionId && <a href={questionHref(city, dup.existingQuestionId)}>Open the existing question</a>}
          </p>
        </div>
      )}
      <div class="field">
        <label for="q-text">Your question</label>
        <p class="hint" id="q-text-hint">
          {TEXT_MIN} to {TEXT_MAX} characters. Ask something every candidate can answer.
        </p>
        <textarea
          id="q-text"
          rows={4}
          maxLength={TEXT_MAX}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          aria-describedby={"q-text-hint q-text-count" + (fields.text ? " q-text-error" : "")}
          aria-invalid={fields.text ? true : undefined}
          required
        />
        <p class="count" id="q-text-count">
          {textCount} / {TEXT_MAX}
        </p>
        {fields.text && (
          <p class="field-error" id="q-text-error">
            {fields.text}
          </p>
        )}
      </div>
      <div aria-live="polite">
        {similar.length > 0 && <SimilarList city={city} items={similar} heading="Already asked? Similar questions" />}
      </div>
      <div class="field">
        <label for="q-context">Context (optional)</label>
        <p class="hint" id="q-context-hint">
          Why it matters to you, up to {CONTEXT_MAX} characters.
        </p>
        <textarea
          id="q-context"
          rows={3}
          maxLength={CONTEXT_MAX}
          value={context}
          onInput={(e) => setContext(e.currentTarget.value)}
          aria-describedby={"q-context-hint" + (fields.context ? " q-context-error" : "")}
          aria-invalid={fields.context ? true : undefined}
        />
        {fields.context && (
          <p class="field-error" id="q-context-error">
            {fields.context}
          </p>
        )}
      </div>
      <div class="field">
        <label for="q-tags">Topics (optional)</label>
        <p class="hint" id="q-tags-hint">
          Up to {MAX_TAGS}, separated by commas: housing, transit, budget…
        </p>
        <input
          id="q-tags"
          type="text"
          value={tags}
          onInput={(e) => setTags(e.currentTarget.value)}
          aria-describedby={"q-tags-hint" + (fields.tags ? " q-tags-error" : "")}
          aria-invalid={fields.tags ? true : undefined}
          autoComplete="off"
        />
        {fields.tags && (
          <p class="field-error" id="q-tags-error">
            {fields.tags}
          </p>
        )}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? "Sending…" : "Ask the candidates"}
      </button>
    </form>
  );
}

function SimilarList({ city, items, heading }: { city: string; items: SimilarQuestion[]; heading: string }) {
  if (items.length === 0) return null;
  return (
    <section class="similar" aria-label={heading}>
      <h2>{heading}</h2>
      <p class="hint">If one of these asks the same thing, vote for it instead: votes decide which questions the candidates see first.</p>
      <ul>
        {items.map((s) => (
          <li key={s.id}>
            {s.status === "approved" || !s.status ? <a href={questionHref(city, s.id)}>{s.text}</a> : <span>{s.text}</span>}
            {s.status && s.status !== "approved" && (
              <>
                {" "}
                <StatusBadge status={s.status} />
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
