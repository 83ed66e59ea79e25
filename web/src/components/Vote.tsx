// Up and down vote buttons for one question. A pressed button is the caller's
// vote; pressing it again clears the vote (value 0), as the API allows.

import { useEffect, useState } from "preact/hooks";
import { api, ApiError, cityPath } from "../api";
import { useSession } from "../auth";
import { navigate } from "../router";
import type { VoteResponse } from "../types";

// Votes cast in this tab, per signed-in subject, so a list shows them pressed
// without asking the API for each question's vote (the question page asks).
const known = new Map<string, number>();

export function rememberVote(subject: string, questionId: string, value: number) {
  known.set(subject + ":" + questionId, value);
}

interface Props {
  city: string;
  questionId: string;
  upvotes: number;
  downvotes: number;
  /** label names the question for screen readers ("Vote up: <question>"). */
  label: string;
  /** mine is the caller's vote when the page knows it. */
  mine?: number;
  onVoted?: (r: VoteResponse) => void;
}

export function VoteButtons({ city, questionId, upvotes, downvotes, label, mine, onVoted }: Props) {
  const session = useSession();
  const key = session ? session.subject + ":" + questionId : "";
  const [value, setValue] = useState<number>(mine ?? known.get(key) ?? 0);
  const [counts, setCounts] = useState({ up: upvotes, down: downvotes });
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState("");

  useEffect(() => setCounts({ up: upvotes, down: downvotes }), [upvotes, downvotes]);
  useEffect(() => {
    if (mine !== undefined) setValue(mine);
    else setValue(known.get(key) ?? 0);
  }, [mine, key]);

  async function vote(want: number) {
    if (!session) {
      navigate("/signin?next=" + encodeURIComponent(location.pathname + location.search));
      return;
    }
    const next = value === want ? 0 : want;
    setBusy(true);
    setNote("");
    try {
      const r = await api<VoteResponse>(cityPath(city, "questions", questionId, "vote"), {
        method: "PUT",
        body: { value: next },
        auth: true,
      });
      setValue(r.value);
      known.set(key, r.value);
      setCounts({ up: r.upvotes, down: r.downvotes });
      setNote(r.value === 1 ? "Up-vote recorded." : r.value === -1 ? "Down-vote recorded." : "Vote cleared.");
      onVoted?.(r);
    } catch (err) {
      setNote(voteError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="vote" role="group" aria-label={"Votes on: " + label}>
      <button type="button" class="up" aria-pressed={value === 1} disabled={busy} onClick={() => vote(1)}>
        <span aria-hidden="true">▲</span>
        <span class="sr">Vote up</span> <span class="count">{counts.up}</span>
      </button>
      <button type="button" class="down" aria-pressed={value === -1} disabled={busy} onClick={() => vote(-1)}>
        <span aria-hidden="true">▼</span>
        <span class="sr">Vote down</span> <span class="count">{counts.down}</span>
      </button>
      <span class="vote-note" role="status">
        {note}
      </span>
    </div>
  );
}

function voteError(err: unknown): string {
  if (!(err instanceof ApiError)) return "The vote did not go through. Please try again.";
  switch (err.code) {
    case "email_not_verified":
      return "Verify your e-mail address to vote.";
    case "rate_limited":
      return err.message;
    case "question_not_open":
      return err.message;
    default:
      return err.message || "The vote did not go through.";
  }
}
