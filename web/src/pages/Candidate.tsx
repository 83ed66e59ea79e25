// A candidate's public profile: who they are, their published answers, and for a
// signed-in resident who is that candidate, the claim of the record (with the
// filing id the elections office gave them), then the way to their questions.

import { useState } from "preact/hooks";
import { api, ApiError, cityPath } from "../api";
import { useSession } from "../auth";
import type { Candidacy, CandidateProfile, Me } from "../types";
import { ErrorNote, Loading, Page, StatusBadge, VerifiedBadge, formatTime, useData } from "../ui";
import { formatDuration } from "../components/VideoPlayer";
import { contestHref } from "./Ballot";
import { questionHref } from "./Contest";

export function candidateHref(city: string, id: string) {
  return `/${encodeURIComponent(city)}/candidates/${encodeURIComponent(id)}`;
}

export function Candidate({ city, id }: { city: string; id: string }) {
  const session = useSession();
  const [n, setN] = useState(0);
  const page = useData("candidate:" + city + ":" + id, (signal) => api<CandidateProfile>(cityPath(city, "candidates", id), { signal }));
  const me = useData("me:" + (session?.subject ?? "") + ":" + n, (signal) =>
    session ? api<Me>("/me", { signal, auth: true }) : Promise.resolve(null),
  );
  if (!page.data) {
    return (
      <Page title="Candidate">
        {page.loading ? <Loading what="the candidate" /> : <ErrorNote error={page.error!} retry={page.reload} />}
      </Page>
    );
  }
  const { candidate: c, contest, answers } = page.data;
  const mine = me.data?.candidacies.find((x) => x.candidateId === id);
  return (
    <Page title={c.name}>
      <p>
        <a href={contestHref(city, contest.id)}>← {contest.title}</a>
      </p>
      <p class="meta">
        {c.verified && <VerifiedBadge />}
        {[c.party, c.ballotDesignation].filter(Boolean).join(" · ")}
      </p>
      {c.bio && <p>{c.bio}</p>}
      {c.website && (
        <p>
          <a href={c.website} rel="noopener noreferrer" target="_blank">
            Campaign website<span class="sr"> (opens a new tab)</span>
          </a>
        </p>
      )}
      <section aria-labelledby="answers">
        <h2 id="answers">Video answers</h2>
        {answers.length === 0 ? (
          <p>No published answers yet.</p>
        ) : (
          <ul class="cards">
            {answers.map((a) => (
              <li key={a.answerId} class="card">
                <p class="q-text">
                  <a href={questionHref(city, a.questionId)}>{a.questionText || "The question"}</a>
                </p>
                <p class="meta">
                  <span>{formatDuration(a.durationSeconds)}</span>
                  <span>Published {formatTime(a.publishedAt)}</span>
                </p>
              </li>
            ))}
          </ul>
        )}
      </section>
      {session && me.data && (
        <ClaimSection city={city} id={id} verified={c.verified} mine={mine} onClaimed={() => setN((x) => x + 1)} />
      )}
      {!session && !c.verified && (
        <p class="notice">
          Are you {c.name}? <a href={"/signin?next=" + encodeURIComponent(location.pathname)}>Sign in</a> to claim this record.
        </p>
      )}
    </Page>
  );
}

function ClaimSection({
  city,
  id,
  verified,
  mine,
  onClaimed,
}: {
  city: string;
  id: string;
  verified: boolean;
  mine?: Candidacy;
  onClaimed: () => void;
}) {
  const [filing, setFiling] = useState("");
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [busy, setBusy] = useState(false);
  if (mine && mine.verification !== "rejected") {
    return (
      <section aria-labelledby="claim" class="notice">
        <h2 id="claim">Your claim of this record</h2>
        <p>
          <StatusBadge status={mine.verification} />{" "}
          {mine.verification === "pending" && "The city's staff will check your filing id and approve or reject the claim."}
          {mine.verification === "verified" && (
            <>
              The city verified you. <a href={`/${encodeURIComponent(city)}/candidates/${encodeURIComponent(id)}/queue`}>Answer residents' questions</a>.
            </>
          )}
        </p>
      </section>
    );
  }
  if (verified) return null;
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (!filing.trim()) {
      setError(new Error("Enter the filing id the elections office gave you."));
      return;
    }
    setBusy(true);
    try {
      await api(cityPath(city, "candidates", id, "claim"), { method: "POST", auth: true, body: { filingId: filing.trim() } });
      onClaimed();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="claim">
      <h2 id="claim">Is this you? Claim this record</h2>
      {mine?.verification === "rejected" && (
        <p class="error">
          Your earlier claim was rejected{mine.reason ? <>: {mine.reason}</> : "."} You may claim it again.
        </p>
      )}
      <p>
        Candidates claim their record with the filing id from their candidacy papers. The city's staff check it; once they approve,
        you can answer residents' questions with video.
      </p>
      <form onSubmit={submit} noValidate>
        {error && <ErrorNote error={error} />}
        <div class="field">
          <label for="filing">Filing id</label>
          <p class="hint" id="filing-hint">
            As printed on your filing receipt, e.g. RIV-2026-0042.
          </p>
          <input
            id="filing"
            type="text"
            maxLength={100}
            autoComplete="off"
            aria-describedby="filing-hint"
            value={filing}
            onInput={(e) => setFiling(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Sending…" : "Claim this record"}
        </button>
      </form>
    </section>
  );
}
