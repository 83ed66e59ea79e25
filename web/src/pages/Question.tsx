import { useEffect } from "preact/hooks";
import { api, cityPath } from "../api";
import { useSession } from "../auth";
import { Report } from "../components/Report";
import { VideoPlayer } from "../components/VideoPlayer";
import { VoteButtons } from "../components/Vote";
import { WhyRank } from "../components/WhyRank";
import { navigate } from "../router";
import type { CandidateAnswer, QuestionPage } from "../types";
import { ErrorNote, Loading, Page, StatusBadge, formatTime, useData } from "../ui";
import { contestHref } from "./Ballot";
import { candidateHref } from "./Candidate";
import { questionHref } from "./Contest";

export function Question({ city, id }: { city: string; id: string }) {
  const session = useSession();
  const page = useData("question:" + city + ":" + id, (signal) => api<QuestionPage>(cityPath(city, "questions", id), { signal }));
  // The caller's own vote is a route of its own so that the page above stays
  // public and cacheable.
  const mine = useData("myvote:" + id + ":" + (session?.subject ?? ""), (signal) =>
    session
      ? api<{ value: number }>(cityPath(city, "questions", id, "vote"), { signal, auth: true })
      : Promise.resolve({ value: 0 }),
  );
  const merged = page.data && page.data.question.id !== id ? page.data.question.id : "";
  useEffect(() => {
    // A merged question answers with the question it was merged into: show its URL.
    if (merged) navigate(questionHref(city, merged), { replace: true });
  }, [merged, city]);

  if (!page.data) {
    return (
      <Page title="Question">
        {page.loading ? <Loading what="the question" /> : <ErrorNote error={page.error!} retry={page.reload} />}
      </Page>
    );
  }
  const { question: q, versions, why, answered, candidates, mergedFrom } = page.data;
  return (
    <Page title={q.text}>
      <p>
        <a href={contestHref(city, q.contestId)}>← All questions in this contest</a>
      </p>
      {merged && <p class="notice">The question you opened was merged into this one.</p>}
      {q.context && (
        <p>
          <strong>Context:</strong> {q.context}
        </p>
      )}
      <p class="meta">
        {q.tags.map((t) => (
          <span key={t} class="tag">
            {t}
          </span>
        ))}
        <span>Asked {formatTime(q.createdAt)}</span>
      </p>
      <VoteButtons
        city={city}
        questionId={q.id}
        upvotes={q.upvotes}
        downvotes={q.downvotes}
        label={q.text}
        mine={mine.data?.value}
      />
      <WhyRank why={why} />
      <Report city={city} targetType="question" targetId={q.id} what="this question" />

      <section aria-labelledby="answers">
        <h2 id="answers">Answers</h2>
        <p>
          Answered by {answered} of {candidates.length} {candidates.length === 1 ? "candidate" : "candidates"}.
        </p>
        <ul class="answers">
          {candidates.map((c) => (
            <Answer key={c.candidateId} city={city} a={c} />
          ))}
        </ul>
      </section>

      {mergedFrom && mergedFrom.length > 0 && (
        <section aria-labelledby="merged">
          <h2 id="merged">Merged into this question</h2>
          <p>Moderators merged these questions, which asked the same, into this one; their votes count here.</p>
          <ul>
            {mergedFrom.map((m) => (
              <li key={m.id}>{m.text}</li>
            ))}
          </ul>
        </section>
      )}

      {versions.length > 0 && (
        <section aria-labelledby="versions">
          <h2 id="versions">History of the text</h2>
          <ol class="versions">
            {versions.map((v) => (
              <li key={v.version}>
                <p>
                  <strong>Version {v.version}</strong>, {formatTime(v.createdAt)}
                  {v.reason && <>: {v.reason}</>}
                </p>
                <p>{v.text}</p>
                {v.context && <p class="meta">Context: {v.context}</p>}
              </li>
            ))}
          </ol>
        </section>
      )}
    </Page>
  );
}

function Answer({ city, a }: { city: string; a: CandidateAnswer }) {
  return (
    <li class="answer">
      <h3>
        <a href={candidateHref(city, a.candidateId)}>{a.name}</a> <StatusBadge status={a.status} />
      </h3>
      {a.answer?.masterUrl ? (
        <>
          <VideoPlayer playback={a.answer} title={`${a.name}'s answer`} />
          <Report city={city} targetType="answer" targetId={a.answer.answerId} what={`${a.name}'s answer`} />
        </>
      ) : a.status === "published" ? (
        <p>The video is being prepared.</p>
      ) : null}
    </li>
  );
}
