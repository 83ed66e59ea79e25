import { useEffect, useState } from "preact/hooks";
import { api, cityPath } from "../api";
import { VoteButtons } from "../components/Vote";
import type { Candidate, ContestPage, ListedQuestion, Measure, QuestionList, Sort } from "../types";
import { SORTS } from "../types";
import { ErrorNote, Loading, Page, VerifiedBadge, formatDay, formatTime, plural, useData } from "../ui";
import { contestHref, contestTitle } from "./Ballot";
import { candidateHref } from "./Candidate";

export function questionHref(city: string, id: string) {
  return `/${encodeURIComponent(city)}/questions/${encodeURIComponent(id)}`;
}

const sortLabel: Record<Sort, string> = { top: "Top", new: "New", hot: "Hot", controversial: "Controversial" };
const sortHelp: Record<Sort, string> = {
  top: "Questions most residents surely approve of first (few votes count for little).",
  new: "The newest questions first.",
  hot: "Questions gaining votes now first; newer questions need fewer votes.",
  controversial: "Questions with many votes split evenly first.",
};

export function Contest({ city, id, sort }: { city: string; id: string; sort: Sort }) {
  const page = useData("contest:" + city + ":" + id, (signal) => api<ContestPage>(cityPath(city, "contests", id), { signal }));
  if (!page.data) {
    return (
      <Page title="Contest">
        {page.loading ? <Loading what="the contest" /> : <ErrorNote error={page.error!} retry={page.reload} />}
      </Page>
    );
  }
  const { contest, election } = page.data;
  const m = contest.measure;
  const title = contestTitle(contest);
  const candidates = contest.candidates ?? [];
  return (
    <Page title={title} lead={`${election.name}, ${formatDay(election.date)}`}>
      <p>
        <a href={"/" + encodeURIComponent(city)}>← The whole ballot</a>
      </p>
      {contest.description && <p>{contest.description}</p>}
      {contest.kind === "race" && <Candidates city={city} candidates={candidates} seats={contest.seats} />}
      {m && <MeasureText measure={m} />}
      <Questions city={city} contestId={id} sort={sort} candidates={candidates.length} title={title} />
    </Page>
  );
}

function Candidates({ city, candidates, seats }: { city: string; candidates: Candidate[]; seats?: number }) {
  return (
    <section aria-labelledby="candidates">
      <h2 id="candidates">Candidates</h2>
      {seats && seats > 1 && <p>{seats} seats are up for election.</p>}
      <ul class="cards candidates">
        {candidates.map((c) => (
          <li key={c.id} class="card">
            <h3>
              <a href={candidateHref(city, c.id)}>{c.name}</a> {c.verified && <VerifiedBadge />}
            </h3>
            {(c.party || c.ballotDesignation) && <p class="meta">{[c.party, c.ballotDesignation].filter(Boolean).join(" · ")}</p>}
            {c.bio && <p>{c.bio}</p>}
            {c.website && (
              <p>
                <a href={c.website} rel="noopener noreferrer" target="_blank">
                  Campaign website<span class="sr"> of {c.name} (opens a new tab)</span>
                </a>
              </p>
            )}
          </li>
        ))}
      </ul>
      {candidates.length === 0 && <p>No candidates have filed yet.</p>}
    </section>
  );
}

function MeasureText({ measure: m }: { measure: Measure }) {
  return (
    <section aria-labelledby="measure" class="measure">
      <h2 id="measure">What the measure says</h2>
      <h3>Summary</h3>
      <p>{m.summary}</p>
      <h3>Fiscal note</h3>
      <p>{m.fiscalNote}</p>
      <div class="procon">
        <div>
          <h3>Argument in favor</h3>
          <p>{m.proArgument}</p>
        </div>
        <div>
          <h3>Argument against</h3>
          <p>{m.conArgument}</p>
        </div>
      </div>
      <details>
        <summary>Full text of {m.number}</summary>
        <div class="fulltext">
          {m.fullText.split(/\n{2,}/).map((para, i) => (
            <p key={i}>{para}</p>
          ))}
        </div>
      </details>
    </section>
  );
}

function Questions({ city, contestId, sort, candidates, title }: { city: string; contestId: string; sort: Sort; candidates: number; title: string }) {
  const base = contestHref(city, contestId);
  const first = useData(`questions:${contestId}:${sort}`, (signal) =>
    api<QuestionList>(cityPath(city, "contests", contestId, "questions") + "?sort=" + sort, { signal }),
  );
  const [more, setMore] = useState<{ items: ListedQuestion[]; next?: string; error?: Error; busy: boolean }>({ items: [], busy: false });
  useEffect(() => setMore({ items: [], busy: false }), [contestId, sort, first.data]);

  const next = more.items.length > 0 || more.error ? more.next : first.data?.next;
  async function loadMore() {
    if (!next) return;
    setMore((m) => ({ ...m, busy: true, error: undefined }));
    try {
      const page = await api<QuestionList>(
        cityPath(city, "contests", contestId, "questions") + "?sort=" + sort + "&cursor=" + encodeURIComponent(next),
      );
      setMore((m) => ({ items: [...m.items, ...page.questions], next: page.next, busy: false }));
    } catch (error) {
      setMore((m) => ({ ...m, next, error: error as Error, busy: false }));
    }
  }
  const items = [...(first.data?.questions ?? []), ...more.items];

  return (
    <section aria-labelledby="questions" class="questions">
      <div class="section-head">
        <h2 id="questions">Questions for the {candidates > 0 ? "candidates" : "campaigns"}</h2>
        <a class="button" href={base + "/ask"}>
          Ask a question<span class="sr"> about {title}</span>
        </a>
      </div>
      <nav aria-label="Sort questions" class="tabs">
        <ul>
          {SORTS.map((s) => (
            <li key={s}>
              <a href={base + "?sort=" + s} aria-current={s === sort ? "page" : undefined}>
                {sortLabel[s]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p class="hint">{sortHelp[sort]}</p>
      {first.loading && <Loading what="questions" />}
      {first.error && <ErrorNote error={first.error} retry={first.reload} />}
      {first.data && (
        <>
          <p class="meta" aria-live="polite">
            {plural(first.data.total, "question")}, sorted by {sortLabel[sort].toLowerCase()}
          </p>
          {first.data.total === 0 && <p>No questions yet. Be the first to ask one.</p>}
          <ol class="question-list">
            {items.map((q) => (
              <QuestionItem key={q.id} city={city} q={q} candidates={candidates} />
            ))}
          </ol>
          {more.error && <ErrorNote error={more.error} />}
          {next && (
            <button type="button" onClick={loadMore} disabled={more.busy}>
              {more.busy ? "Loading…" : "More questions"}
            </button>
          )}
        </>
      )}
    </section>
  );
}

function QuestionItem({ city, q, candidates }: { city: string; q: ListedQuestion; candidates: number }) {
  return (
    <li class="question">
      <p class="q-text">
        <a href={questionHref(city, q.id)}>{q.text}</a>
      </p>
      <p class="meta">
        {q.tags.length > 0 && (
          <span class="tags">
            {q.tags.map((t) => (
              <span key={t} class="tag">
                {t}
              </span>
            ))}
          </span>
        )}
        <span>Asked {formatTime(q.createdAt)}</span>
        {candidates > 0 && (
          <span class="answered">
            Answered by {q.answered} of {candidates}
          </span>
        )}
      </p>
      <VoteButtons city={city} questionId={q.id} upvotes={q.upvotes} downvotes={q.downvotes} label={q.text} />
    </li>
  );
}
