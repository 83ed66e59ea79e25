import { useState } from "preact/hooks";
import { api, cityPath } from "../api";
import { useSession } from "../auth";
import type { Me as MeData, MyQuestion } from "../types";
import { codeLabel } from "../components/Report";
import { ErrorNote, Loading, Page, StatusBadge, formatTime, useData } from "../ui";
import { contestHref } from "./Ballot";
import { candidateHref } from "./Candidate";
import { questionHref } from "./Contest";

export function Me() {
  const session = useSession();
  const [n, setN] = useState(0);
  const me = useData("me:" + (session?.subject ?? "") + ":" + n, (signal) =>
    session ? api<MeData>("/me", { signal, auth: true }) : Promise.reject(new Error("signed out")),
  );
  if (!session) {
    return (
      <Page title="My questions">
        <p class="notice">
          <a href="/signin?next=%2Fme">Sign in</a> to see your questions.
        </p>
      </Page>
    );
  }
  if (!me.data) {
    return (
      <Page title="My questions">
        {me.loading ? <Loading what="your questions" /> : <ErrorNote error={me.error!} retry={me.reload} />}
      </Page>
    );
  }
  const m = me.data;
  return (
    <Page title="My questions" lead={<>Signed in as {m.email || m.displayName}.</>}>
      {!m.emailVerified && <p class="notice">Your e-mail address is not verified yet: you can read, but not ask or vote.</p>}
      {m.questions.length === 0 ? (
        <p>You have not asked a question yet. Open a contest on your city's ballot to ask one.</p>
      ) : (
        <ul class="cards my-questions">
          {m.questions.map((q) => (
            <MyQuestionItem key={q.id} q={q} onChange={() => setN((x) => x + 1)} />
          ))}
        </ul>
      )}
      {m.roles.length > 0 && (
        <section aria-labelledby="roles">
          <h2 id="roles">Your roles</h2>
          <ul>
            {m.roles.map((r) => (
              <li key={r.city + r.role}>
                {r.role.replace("_", " ")} of {r.city}:{" "}
                <a href={`/${encodeURIComponent(r.city)}/moderation`}>Moderation queue</a>
                {r.role === "city_admin" && (
                  <>
                    {" · "}
                    <a href={`/${encodeURIComponent(r.city)}/claims`}>Candidate claims</a>
                  </>
                )}
                {" · "}
                <a href={`/${encodeURIComponent(r.city)}/moderation/log`}>Public log</a>
              </li>
            ))}
          </ul>
        </section>
      )}
      {m.candidacies.length > 0 && (
        <section aria-labelledby="candidacies">
          <h2 id="candidacies">Candidate records you claimed</h2>
          <ul>
            {m.candidacies.map((c) => (
              <li key={c.candidateId}>
                <a href={candidateHref(c.city, c.candidateId)}>{c.name}</a> ({c.city}): <StatusBadge status={c.verification} />
                {c.reason && <> {c.reason}</>}
                {c.verification === "verified" && (
                  <>
                    {" "}
                    <a href={`/${encodeURIComponent(c.city)}/candidates/${encodeURIComponent(c.candidateId)}/queue`}>
                      Answer questions<span class="sr"> as {c.name}</span>
                    </a>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}

function MyQuestionItem({ q, onChange }: { q: MyQuestion; onChange: () => void }) {
  const [appeal, setAppeal] = useState<{ busy: boolean; error?: string }>({ busy: false });
  async function sendAppeal() {
    setAppeal({ busy: true });
    try {
      await api(cityPath(q.city, "questions", q.id, "appeal"), { method: "POST", auth: true });
      setAppeal({ busy: false });
      onChange();
    } catch (err) {
      setAppeal({ busy: false, error: (err as Error).message });
    }
  }
  return (
    <li class="card">
      <p class="q-text">
        {q.status === "approved" ? <a href={questionHref(q.city, q.id)}>{q.text}</a> : q.text}
      </p>
      <p class="meta">
        <StatusBadge status={q.status} /> <span>Asked {formatTime(q.createdAt)}</span>
        {q.status === "approved" && (
          <span>
            {q.upvotes} up, {q.downvotes} down
          </span>
        )}
        <a href={contestHref(q.city, q.contestId)}>The contest</a>
      </p>
      {q.status === "pending" && <p>A moderator will review it before it is published.</p>}
      {q.status === "rejected" && (
        <>
          <p class="reason">
            <strong>Reason:</strong> {q.rejectionReason || "none given"}
            {q.rejectionCode && <> ({codeLabel(q.rejectionCode)})</>}
          </p>
          {q.appealedAt ? (
            <p class="meta">You appealed on {formatTime(q.appealedAt)}; the decision stands.</p>
          ) : (
            <p>
              <button type="button" class="secondary" disabled={appeal.busy} onClick={sendAppeal}>
                Appeal<span class="sr"> the rejection of “{q.text}”</span>
              </button>{" "}
              <span class="hint">Once: a moderator reviews it again.</span>
            </p>
          )}
          {appeal.error && (
            <p class="error" role="alert">
              {appeal.error}
            </p>
          )}
        </>
      )}
      {q.status === "pending" && q.appealedAt && <p>You appealed: a moderator will review it again.</p>}
      {q.hidden && <p>It is hidden after residents reported it, until a moderator reviews it.</p>}
      {q.status === "merged" && q.mergedInto && (
        <p>
          Merged into <a href={questionHref(q.city, q.mergedInto)}>an earlier question</a> that asks the same.
        </p>
      )}
    </li>
  );
}
