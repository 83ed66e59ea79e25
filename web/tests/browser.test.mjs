// Browser tests of the web app: Debian's Chromium, headless, driven by
// playwright-core against the local stack (tests/stack.mjs: the devserver with a
// throwaway database and the demo cities, cognito-local and the local S3). Every
// page visited is scanned with axe-core (serious or critical violations fail),
// must log no console error, and the key pages are saved as screenshots in
// build/screenshots/. The suites run in order in one stack: the candidate's
// published answer is what the resident then plays.
//
// Run with `make test-web` (it builds the app, the devserver and cityadmin first).

import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import {
  CITY,
  LAKEVIEW,
  LAKEVIEW_MAYOR,
  MAYOR,
  MEASURE_A,
  PASSWORD,
  PHONE,
  RENTS_Q,
  api,
  apiGet,
  axe,
  email,
  open,
  saveOpenPages,
  shot,
  startAll,
  stopAll,
  t,
  texts,
} from "./harness.mjs";
import { candidateSuites } from "./candidate.suite.mjs";
import { moderationSuites } from "./moderation.suite.mjs";

before(startAll);
afterEach(saveOpenPages);
after(stopAll);

describe("resident pages", () => {
  it("home lists the cities and opens the ballot", async (ctx) => {
    const w = await open("/");
    const { page } = w;
    await page.getByRole("heading", { level: 1, name: "Choose your city" }).waitFor();
    await page.getByRole("link", { name: /Riverton/ }).waitFor();
    await axe(page, ctx);
    await shot(page, "home");
    await page.getByRole("link", { name: /Riverton/ }).click();
    await page.getByRole("heading", { level: 1, name: "Riverton ballot" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/riverton");
    // The title follows the page once its data is in.
    await page.waitForFunction(() => document.title === "Riverton ballot · CivicQ");
    const ballot = await apiGet(`/cities/${CITY}/ballot`);
    const races = ballot.contests.filter((c) => c.kind === "race").map((c) => c.title);
    assert.deepEqual(await texts(page, "#races ~ ul h3"), races, "races in ballot order");
    const measures = await texts(page, "section[aria-labelledby=measures] h3");
    assert.equal(measures.length, ballot.contests.filter((c) => c.kind === "measure").length);
    assert.ok(measures.some((m) => m.startsWith("Measure A:")), "Measure A is listed: " + measures);
    await axe(page, ctx);
    await shot(page, "ballot");
    await w.check();
    await w.close();
  });

  it("a race: candidates with badges, questions in each sort order with the API's order", async (ctx) => {
    const w = await open("/" + CITY);
    const { page } = w;
    await page.getByRole("link", { name: "Mayor", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Mayor" }).waitFor();
    const contest = await apiGet(`/cities/${CITY}/contests/${MAYOR}`);
    const cards = page.locator("section[aria-labelledby=candidates] li.card");
    assert.equal(await cards.count(), contest.contest.candidates.length);
    for (const c of contest.contest.candidates) {
      const card = cards.filter({ hasText: c.name });
      assert.equal(await card.locator(".badge.verified").count(), c.verified ? 1 : 0, `${c.name}: badge iff verified`);
    }
    assert.ok(contest.contest.candidates.some((c) => c.verified), "the demo has a verified candidate");

    for (const sort of ["top", "new", "hot", "controversial"]) {
      const tab = page.getByRole("navigation", { name: "Sort questions" }).getByRole("link", { name: new RegExp("^" + sort + "$", "i") });
      await tab.click();
      await page.waitForURL((u) => u.searchParams.get("sort") === sort || (sort === "top" && !u.searchParams.has("sort")));
      assert.equal(await tab.getAttribute("aria-current"), "page");
      const list = await apiGet(`/cities/${CITY}/contests/${MAYOR}/questions?sort=${sort}`);
      await page.locator(".question-list .q-text").first().waitFor();
      await page.waitForFunction((n) => document.querySelectorAll(".question-list .q-text").length === n, list.questions.length);
      assert.deepEqual(await texts(page, ".question-list .q-text"), list.questions.map((q) => q.text), `sort=${sort}`);
      const n = contest.contest.candidates.length;
      assert.deepEqual(
        await texts(page, ".question-list .answered"),
        list.questions.map((q) => `Answered by ${q.answered} of ${n}`),
        "answered by X of N",
      );
      if (sort === "new") await shot(page, "contest");
    }
    await axe(page, ctx);
    await w.check();
    await w.close();
  });

  it("a measure: text, summary, fiscal note, arguments for and against", async (ctx) => {
    const w = await open(`/${CITY}/contests/${MEASURE_A}`);
    const { page } = w;
    const m = (await apiGet(`/cities/${CITY}/contests/${MEASURE_A}`)).contest.measure;
    await page.getByRole("heading", { level: 1, name: `${m.number}: ${m.title}` }).waitFor();
    for (const h of ["Summary", "Fiscal note", "Argument in favor", "Argument against"]) {
      await page.getByRole("heading", { name: h }).waitFor();
    }
    const body = await page.locator("main").innerText();
    for (const part of [m.summary, m.fiscalNote, m.proArgument, m.conArgument]) assert.ok(body.includes(part.slice(0, 60)), part.slice(0, 60));
    // The full text opens from the keyboard.
    const summary = page.locator("summary", { hasText: "Full text" });
    await summary.focus();
    await page.keyboard.press("Enter");
    assert.equal(await page.locator(".measure details").getAttribute("open"), "");
    assert.ok((await page.locator(".fulltext").innerText()).includes(m.fullText.split("\n")[0].slice(0, 40)));
    await axe(page, ctx);
    await shot(page, "measure");
    await w.check();
    await w.close();
  });

  it("a question: counters, why this rank, answered by X of N, versions", async (ctx) => {
    const w = await open(`/${CITY}/contests/${MAYOR}`);
    const { page } = w;
    const q = (await apiGet(`/cities/${CITY}/questions/${RENTS_Q}`));
    await page.getByRole("link", { name: q.question.text }).click();
    await page.getByRole("heading", { level: 1, name: q.question.text }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/${CITY}/questions/${RENTS_Q}`);
    const votes = page.getByRole("group", { name: "Votes on: " + q.question.text });
    assert.equal(await votes.getByRole("button", { name: /Vote up/ }).locator(".count").innerText(), String(q.question.upvotes));
    assert.equal(await votes.getByRole("button", { name: /Vote down/ }).locator(".count").innerText(), String(q.question.downvotes));
    await page.getByText(`Answered by ${q.answered} of ${q.candidates.length} candidates.`).waitFor();
    assert.equal(await page.locator(".answers > li").count(), q.candidates.length);
    await page.locator("summary", { hasText: "Why this rank?" }).click();
    const why = await page.locator(".why").innerText();
    assert.match(why, new RegExp(`Score ${q.why.scores.top.toFixed(3)}`));
    assert.match(why, new RegExp(`${q.why.up} up, ${q.why.down} down`));
    assert.match(why, /Hot/);
    assert.match(why, /Controversial/);
    // (The demo questions were loaded without version rows; asked ones have one.)
    assert.equal(await page.locator(".versions > li").count(), q.versions.length);
    await axe(page, ctx);
    await shot(page, "question");
    await w.check();
    await w.close();
  });

  it("fits a 360 px wide phone without sideways scrolling", async (ctx) => {
    for (const [path, name, h1] of [
      [`/${CITY}`, "ballot-360", "Riverton ballot"],
      [`/${CITY}/contests/${MEASURE_A}`, "measure-360", /^Measure A/],
      [`/${CITY}/questions/${RENTS_Q}`, "question-360", /^Rents in Riverton/],
    ]) {
      const w = await open(path, { viewport: PHONE });
      await w.page.getByRole("heading", { level: 1, name: h1 }).waitFor();
      const width = await w.page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= PHONE.width, `${path}: page is ${width} px wide on a ${PHONE.width} px screen`);
      await axe(w.page, ctx);
      await shot(w.page, name);
      await w.check();
      await w.close();
    }
  });

  it("is keyboard operable: skip link, visible focus, focus moves to the new page", async () => {
    const w = await open("/" + CITY);
    const { page } = w;
    await page.getByRole("heading", { level: 1, name: "Riverton ballot" }).waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    const box = await page.locator(".skip").boundingBox();
    assert.ok(box && box.y >= 0, "the skip link shows when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    // Tab to the first contest link: its focus ring is drawn.
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement?.textContent)) === "Mayor") break;
    }
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert.equal(ring.style, "solid");
    assert.ok(ring.width >= 2, "focus outline " + JSON.stringify(ring));
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Mayor" }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main", "focus moves to the new page");
    await page.waitForFunction(() => document.title.startsWith("Mayor"));
    await w.check();
    await w.close();
  });

  it("answers unknown pages with the app's not-found page", async (ctx) => {
    const w = await open("/no/such/page/here");
    await w.page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await axe(w.page, ctx);
    await w.check();
    await w.close();
  });

  it("sign-in follows the server's /config.json", async (ctx) => {
    const w = await open("/signin");
    const { page } = w;
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    // The stack runs cognito-local (stack.mjs fails without it).
    await page.getByLabel("E-mail address").waitFor();
    await page.getByLabel("Password").waitFor();
    await axe(page, ctx);
    await w.check();
    await w.close();
  });
});

describe("a new resident", () => {
  it("signs up, confirms the e-mailed code, signs in, opens the demo ballot, asks a question and votes", async (ctx) => {
    const address = email("resident");
    const w = await open("/");
    const { page } = w;
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByRole("heading", { level: 1, name: "Create an account" }).waitFor();
    await page.getByLabel("E-mail address").fill(address);
    await page.getByLabel("Password").fill(PASSWORD);
    await axe(page, ctx);
    await shot(page, "signup");
    await page.getByRole("button", { name: "Create the account" }).click();

    // cognito-local "e-mails" the code into its log; the resident types it in.
    await page.getByRole("heading", { level: 1, name: "Confirm your e-mail address" }).waitFor();
    await page.getByText(`We e-mailed a code to ${address}.`).waitFor();
    const code = await t.stack.confirmationCode(address);
    await page.getByLabel("Confirmation code").fill(code);
    await axe(page, ctx);
    await page.getByRole("button", { name: "Confirm" }).click();
    // Confirmed and signed in: back where they started, with their session.
    await page.getByRole("button", { name: /Sign out/ }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/");
    const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem("civicq.session")));
    const me = await apiGet("/me", session.idToken);
    assert.equal(me.email, address);
    assert.equal(me.emailVerified, true, "confirming the code verifies the address (as Cognito does)");

    // The demo ballot, the mayor's race, a question.
    await page.getByRole("link", { name: /Riverton/ }).click();
    await page.getByRole("heading", { level: 1, name: "Riverton ballot" }).waitFor();
    await page.getByRole("link", { name: "Mayor", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Mayor" }).waitFor();
    await page.getByRole("link", { name: /Ask a question/ }).click();
    await page.getByRole("heading", { level: 1, name: "Ask a question" }).waitFor();
    const text = `How will you keep the library branches open on Sundays (${Date.now()})?`;
    await page.getByLabel("Your question").fill(text);
    await page.getByRole("button", { name: "Ask the candidates" }).click();
    await page.getByRole("heading", { name: "Thank you: your question was received" }).waitFor();
    const mine = (await apiGet("/me", session.idToken)).questions.find((q) => q.text === text);
    assert.equal(mine?.status, "pending", "Riverton moderates questions first");

    // A vote on a published question of the race.
    await page.getByRole("link", { name: "Back to the contest" }).click();
    await page.getByRole("heading", { level: 1, name: "Mayor" }).waitFor();
    const q = (await apiGet(`/cities/${CITY}/contests/${MAYOR}/questions?sort=top`)).questions.at(-1);
    const down = page.getByRole("group", { name: "Votes on: " + q.text }).getByRole("button", { name: /Vote down/ });
    await down.click();
    await page.waitForFunction((el) => el.getAttribute("aria-pressed") === "true", await down.elementHandle());
    assert.equal((await apiGet(`/cities/${CITY}/questions/${q.id}/vote`, session.idToken)).value, -1);
    await w.check();
    await w.close();
  });

  it("is told when the code is wrong, and asks for a new one", async (ctx) => {
    const address = email("typo");
    // A 400 from Cognito shows in Chromium's console as a failed resource.
    const w = await open("/signup", { allow: [/status of 400/] });
    const { page } = w;
    await page.getByLabel("E-mail address").fill(address);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create the account" }).click();
    const code = await t.stack.confirmationCode(address);
    await page.getByLabel("Confirmation code").fill(code === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("alert").getByText("That code is not the one we sent.", { exact: false }).waitFor();
    await axe(page, ctx);
    await w.check();
    await w.close();
  });
});

// Pages of a signed-in resident: an account signed up through Cognito's API
// (stack.mjs), its session put where the app keeps it.
describe("a signed-in resident", () => {
  let resident;
  before(async () => {
    resident = await t.stack.signUp(email("voter"), PASSWORD);
  });

  it("pages through a long list with More", async (ctx) => {
    // Lakeview publishes questions at once: ask 23 through the API.
    for (let i = 1; i <= 23; i++) {
      const res = await fetch(`${t.stack.base}/api/cities/${LAKEVIEW}/contests/${LAKEVIEW_MAYOR}/questions`, {
        method: "POST",
        headers: { Authorization: "Bearer " + resident.idToken, "Content-Type": "application/json" },
        body: JSON.stringify({ text: `Lakeview question number ${i}: what is your plan for ferry dock repair phase ${i}?` }),
      });
      assert.equal(res.status, 201, `ask #${i}: ${await res.text()}`);
    }
    const all = [];
    for (let cursor = ""; ; ) {
      const p = await apiGet(`/cities/${LAKEVIEW}/contests/${LAKEVIEW_MAYOR}/questions?sort=new${cursor && "&cursor=" + encodeURIComponent(cursor)}`);
      all.push(...p.questions.map((q) => q.text));
      if (!p.next) break;
      cursor = p.next;
    }
    assert.ok(all.length > 20);
    const w = await open(`/${LAKEVIEW}/contests/${LAKEVIEW_MAYOR}?sort=new`, { session: resident });
    const { page } = w;
    await page.waitForFunction(() => document.querySelectorAll(".question-list .q-text").length === 20);
    await page.getByRole("button", { name: "More questions" }).click();
    await page.waitForFunction((n) => document.querySelectorAll(".question-list .q-text").length === n, all.length);
    assert.deepEqual(await texts(page, ".question-list .q-text"), all);
    assert.equal(await page.getByRole("button", { name: "More questions" }).count(), 0, "no More after the last page");
    // An asked question keeps its original text as version 1.
    await page.getByRole("link", { name: all[0] }).click();
    await page.getByRole("heading", { level: 1, name: all[0] }).waitFor();
    assert.deepEqual(await texts(page, ".versions > li p:nth-child(2)"), [all[0]]);
    assert.match(await page.locator(".versions").innerText(), /Version 1/);
    await w.check();
    await w.close();
  });

  it("votes from the list and sees the vote on the question page", async (ctx) => {
    const w = await open(`/${CITY}/contests/${MAYOR}`, { session: resident });
    const { page } = w;
    const q = await apiGet(`/cities/${CITY}/questions/${RENTS_Q}`);
    const group = page.getByRole("group", { name: "Votes on: " + q.question.text });
    const up = group.getByRole("button", { name: /Vote up/ });
    await up.waitFor();
    assert.equal(await up.getAttribute("aria-pressed"), "false");
    await up.click();
    await page.waitForFunction((el) => el.getAttribute("aria-pressed") === "true", await up.elementHandle());
    assert.equal(await up.locator(".count").innerText(), String(q.question.upvotes + 1));
    await group.getByText("Up-vote recorded.").waitFor();
    const mine = await apiGet(`/cities/${CITY}/questions/${RENTS_Q}/vote`, resident.idToken);
    assert.equal(mine.value, 1);
    // The question page asks for the caller's own vote.
    await page.getByRole("link", { name: q.question.text }).click();
    await page.getByRole("heading", { level: 1, name: q.question.text }).waitFor();
    const pageUp = page.getByRole("group", { name: "Votes on: " + q.question.text }).getByRole("button", { name: /Vote up/ });
    await page.waitForFunction((el) => el.getAttribute("aria-pressed") === "true", await pageUp.elementHandle());
    // Pressing it again clears the vote.
    await pageUp.click();
    await page.getByText("Vote cleared.").waitFor();
    assert.equal((await apiGet(`/cities/${CITY}/questions/${RENTS_Q}/vote`, resident.idToken)).value, 0);
    await w.check();
    await w.close();
  });

  it("asks: live similar questions, the duplicate case, then a new question in My questions", async (ctx) => {
    // The 409 of the duplicate shows in Chromium's console as a failed resource.
    const w = await open(`/${CITY}/contests/${MAYOR}/ask`, { session: resident, allow: [/status of 409/] });
    const { page } = w;
    await page.getByRole("heading", { level: 1, name: "Ask a question" }).waitFor();
    const rents = (await apiGet(`/cities/${CITY}/questions/${RENTS_Q}`)).question.text;

    const typed = "What would you do about rents going up so people in Riverton stay housed?";
    const similar = await apiGet(`/cities/${CITY}/contests/${MAYOR}/questions/similar?q=${encodeURIComponent(typed)}`);
    assert.ok(similar.similar.some((s) => s.id === RENTS_Q), "the API finds the rents question similar");
    await page.getByLabel("Your question").fill(typed);
    const suggestion = page.locator(".similar").getByRole("link", { name: rents });
    await suggestion.waitFor();
    assert.deepEqual(await texts(page, ".similar li"), similar.similar.map((s) => s.text));
    await axe(page, ctx);
    await shot(page, "ask-similar");

    // The exact same question again: 409, with a link to the one already asked.
    await page.getByLabel("Your question").fill(rents.toUpperCase());
    await page.getByRole("button", { name: "Ask the candidates" }).click();
    const alert = page.getByRole("alert");
    await alert.getByText(/already been asked/).waitFor();
    await alert.getByRole("link", { name: "Open the existing question" }).click();
    await page.getByRole("heading", { level: 1, name: rents }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/${CITY}/questions/${RENTS_Q}`);

    // A new question in Riverton waits for moderation, and shows in My questions.
    await page.goBack();
    const text = `Will the city publish its police overtime spending every month (${Date.now()})?`;
    await page.getByLabel("Your question").fill(text);
    await page.getByLabel("Topics (optional)").fill("police, budget");
    await page.getByRole("button", { name: "Ask the candidates" }).click();
    await page.getByRole("heading", { name: "Thank you: your question was received" }).waitFor();
    await page.getByText("Waiting for moderation").first().waitFor();
    await axe(page, ctx);
    await page.getByRole("link", { name: "My questions" }).first().click();
    await page.getByRole("heading", { level: 1, name: "My questions" }).waitFor();
    const item = page.locator(".my-questions li", { hasText: text });
    await item.waitFor();
    assert.match(await item.innerText(), /Waiting for moderation/);
    const me = await apiGet("/me", resident.idToken);
    assert.equal(me.questions.find((q) => q.text === text)?.status, "pending");
    await axe(page, ctx);
    await shot(page, "my-questions");
    await w.check();
    await w.close();
  });

  it("refuses a question that breaks the rules before sending it", async (ctx) => {
    const w = await open(`/${CITY}/contests/${MAYOR}/ask`, { session: resident });
    const { page } = w;
    await page.getByLabel("Your question").fill("Too short");
    await page.getByLabel("Topics (optional)").fill("a, b, c, d, e, f");
    await page.getByRole("button", { name: "Ask the candidates" }).click();
    await page.getByText("Write 10 to 500 characters (now 9).").waitFor();
    await page.getByText("At most 5 tags.").waitFor();
    assert.equal(await page.getByLabel("Your question").getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "q-text", "focus goes to the first error");
    await axe(page, ctx);
    await w.check();
    await w.close();
  });
});

candidateSuites();
moderationSuites();

describe("first load", () => {
  it("downloads hls.js only on pages that play video, and the candidates' code only on their pages", () => {
    // Both were downloaded where needed (the hls.js playback test, the candidate's pages).
    assert.ok(t.hlsRequests.length > 0 && t.recorderRequests.length > 0, "the chunk names are still recognised");
    assert.deepEqual(
      t.hlsRequests.filter((u) => !/\/(questions|answers)\//.test(new URL(u).pathname)),
      [],
      "hls.js was requested by a page without video",
    );
    assert.deepEqual(
      t.recorderRequests.filter((u) => !/\/candidates\/[^/]+\/(queue|answers)\//.test(new URL(u).pathname + "/")),
      [],
      "the recorder was requested by a page that does not record",
    );
  });
});
