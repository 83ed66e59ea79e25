// "Why this rank?": each sort's score and the parts it is made of, from the
// explanation the API sends with a question (shared/domain/rank.go).

import type { Explanation } from "../types";
import { formatTime, plural } from "../ui";

const pct = (x: number) => (x * 100).toFixed(0) + "%";
const num = (x: number, d = 2) => x.toFixed(d);

const confidenceText: Record<string, string> = {
  none: "no votes yet",
  low: "low: few votes so far",
  medium: "medium",
  high: "high: many votes",
};

export function WhyRank({ why, open }: { why: Explanation; open?: boolean }) {
  const age = why.ageHours < 48 ? plural(Math.round(why.ageHours), "hour") : plural(Math.round(why.ageHours / 24), "day");
  return (
    <details class="why" open={open}>
      <summary>Why this rank?</summary>
      <dl>
        <dt>Votes</dt>
        <dd>
          {why.up} up, {why.down} down (net {why.net >= 0 ? "+" : ""}
          {why.net})
        </dd>

        <dt>Top</dt>
        <dd>
          Score {num(why.scores.top, 3)}: at least {pct(why.wilsonLower)} of residents approve, with 95% confidence
          {why.votes > 0 && (
            <>
              {" "}
              ({pct(why.upShare)} of votes are up; the likely range is {pct(why.wilsonLower)} to {pct(why.wilsonUpper)})
            </>
          )}
          . Confidence: {confidenceText[why.confidence] ?? why.confidence}. Few votes count for little, so one up-vote
          does not outrank ninety out of a hundred.
        </dd>

        <dt>Hot</dt>
        <dd>
          Score {num(why.scores.hot)} = {num(why.hotVoteTerm)} for the net votes (ten times the votes add 1) +{" "}
          {num(why.hotTimeTerm)} for when it was asked (12.5 hours newer add 1).
        </dd>

        <dt>Controversial</dt>
        <dd>
          Score {num(why.scores.controversial)}:{" "}
          {why.balance > 0
            ? `${why.votes} votes raised to the power of the split (${num(why.balance)}; 1 is an even split).`
            : "0, because every vote so far is on one side."}
        </dd>

        <dt>New</dt>
        <dd>
          Asked {formatTime(why.created)} ({age} ago).
        </dd>
      </dl>
    </details>
  );
}
