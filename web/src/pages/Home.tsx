import { api } from "../api";
import type { CitySummary } from "../types";
import { ErrorNote, Loading, Page, formatDay, useData } from "../ui";

export function Home() {
  const cities = useData("cities", (signal) => api<{ cities: CitySummary[] }>("/cities", { signal }));
  return (
    <Page title="Choose your city" lead="Ask the candidates on your ballot, vote up the questions that matter, and watch their answers.">
      {cities.loading && <Loading what="cities" />}
      {cities.error && <ErrorNote error={cities.error} retry={cities.reload} />}
      {cities.data && (
        <ul class="cards" aria-label="Cities">
          {cities.data.cities.map((c) => (
            <li key={c.id} class="card">
              <h2>
                <a href={"/" + encodeURIComponent(c.slug)}>
                  {c.name}, {c.state}
                </a>
              </h2>
              {c.nextElection ? (
                <p>
                  {c.nextElection.name}: {formatDay(c.nextElection.date)}
                </p>
              ) : (
                <p>No upcoming election yet.</p>
              )}
            </li>
          ))}
        </ul>
      )}
      {cities.data && cities.data.cities.length === 0 && <p>No city is on CivicQ yet.</p>}
    </Page>
  );
}
