import { api, cityPath } from "../api";
import type { Ballot as BallotData, BallotContest as Contest } from "../types";
import { ErrorNote, Loading, Page, VerifiedBadge, formatDay, plural, useData } from "../ui";

export function contestHref(city: string, id: string) {
  return `/${encodeURIComponent(city)}/contests/${encodeURIComponent(id)}`;
}

/** contestTitle is a race's title, or a measure's label and title ("Measure A: Parks Levy"). */
export function contestTitle(c: Contest): string {
  return c.measure ? `${c.measure.number}: ${c.measure.title}` : c.title;
}

export function Ballot({ city }: { city: string }) {
  const ballot = useData("ballot:" + city, (signal) => api<BallotData>(cityPath(city, "ballot"), { signal }));
  if (!ballot.data) {
    return (
      <Page title="Ballot">
        {ballot.loading ? <Loading what="the ballot" /> : <ErrorNote error={ballot.error!} retry={ballot.reload} />}
      </Page>
    );
  }
  const b = ballot.data;
  const races = b.contests.filter((c) => c.kind === "race");
  const measures = b.contests.filter((c) => c.kind === "measure");
  return (
    <Page title={`${b.city.name} ballot`} lead={`${b.election.name}, ${formatDay(b.election.date)}`}>
      {races.length > 0 && (
        <section aria-labelledby="races">
          <h2 id="races">Races</h2>
          <ul class="cards">
            {races.map((c) => (
              <Race key={c.id} city={city} contest={c} />
            ))}
          </ul>
        </section>
      )}
      {measures.length > 0 && (
        <section aria-labelledby="measures">
          <h2 id="measures">Ballot measures</h2>
          <ul class="cards">
            {measures.map((c) => (
              <MeasureCard key={c.id} city={city} contest={c} />
            ))}
          </ul>
        </section>
      )}
      {b.contests.length === 0 && <p>This election has no contests yet.</p>}
      <p class="meta">
        Questions are checked by the city's moderators: <a href={`/${encodeURIComponent(city)}/moderation/log`}>the public moderation log</a>{" "}
        lists every decision and its reason.
      </p>
    </Page>
  );
}

function Race({ city, contest }: { city: string; contest: Contest }) {
  const candidates = contest.candidates ?? [];
  return (
    <li class="card">
      <h3>
        <a href={contestHref(city, contest.id)}>{contest.title}</a>
      </h3>
      <p class="meta">
        {contest.seats && contest.seats > 1 ? `${contest.seats} seats, ` : ""}
        {plural(candidates.length, "candidate")}
      </p>
      {contest.description && <p>{contest.description}</p>}
      <ul class="names">
        {candidates.map((c) => (
          <li key={c.id}>
            {c.name} {c.verified && <VerifiedBadge />}
          </li>
        ))}
      </ul>
    </li>
  );
}

function MeasureCard({ city, contest }: { city: string; contest: Contest }) {
  const m = contest.measure;
  return (
    <li class="card">
      <h3>
        <a href={contestHref(city, contest.id)}>{contestTitle(contest)}</a>
      </h3>
      {m?.summary && <p>{m.summary}</p>}
    </li>
  );
}
