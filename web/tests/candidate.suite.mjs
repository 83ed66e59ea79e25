// A candidate answers with video: they claim their record, the city admin
// (made with scripts/cityadmin, as a city's first admin is) approves the claim
// in the admin page, the candidate finds the question queue, uploads a test
// video made here with ffmpeg and sees it published; a second answer is
// recorded with the browser's (fake) camera through MediaRecorder; a broken file
// fails with its reason shown. Then a resident plays the published answer.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { promisify } from "node:util";
import { CITY, MAYOR, PASSWORD, PHONE, UNCLAIMED_CANDIDATE, api, apiGet, axe, email, fits, open, shot, t, waitFor } from "./harness.mjs";
import { root } from "./stack.mjs";

const run = promisify(execFile);
const media = join(root, "build/web-test/media");
// The question the file answer goes to; the resident plays it afterwards.
export const published = { question: "", text: "", sha: "", session: null };

/** candidateSuites registers the suites, in order, in the calling test file. */
export function candidateSuites() {
  describe("a candidate", () => {
    let admin, candidate, candidateEmail;
    let mp4, broken;

    before(async () => {
      // A 6-second 320x240 H.264/AAC MP4 (testsrc and a sine tone): the city's
      // minimum is 5 s and the transcoder's smallest frame 320x240.
      mkdirSync(media, { recursive: true });
      mp4 = join(media, "answer.mp4");
      await run("ffmpeg", [
        "-v", "error", "-y",
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k",
        "-movflags", "+faststart", mp4,
      ]);
      broken = join(media, "broken.webm");
      writeFileSync(broken, Buffer.alloc(4096, "not a video "));

      const adminEmail = email("admin");
      admin = await t.stack.signUp(adminEmail, PASSWORD);
      await apiGet("/me", admin.idToken); // the first request creates the account
      await t.stack.grantRole(CITY, adminEmail, "city_admin");
      candidateEmail = email("elena");
      candidate = await t.stack.signUp(candidateEmail, PASSWORD);
      published.session = candidate;
    });

    it("claims the candidate record with a filing id", async (ctx) => {
      const w = await open(`/${CITY}/contests/${MAYOR}`, { session: candidate });
      const { page } = w;
      const profile = await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}`);
      await page.getByRole("link", { name: profile.candidate.name }).click();
      await page.getByRole("heading", { level: 1, name: profile.candidate.name }).waitFor();
      await page.getByRole("heading", { name: "Is this you? Claim this record" }).waitFor();
      await axe(page, ctx);
      await page.getByLabel("Filing id").fill("RIV-2026-0107");
      await page.getByRole("button", { name: "Claim this record" }).click();
      await page.getByRole("heading", { name: "Your claim of this record" }).waitFor();
      await page.getByText("Waiting for moderation").or(page.locator(".badge.status-pending")).first().waitFor();
      const me = await apiGet("/me", candidate.idToken);
      assert.deepEqual(
        me.candidacies.map((c) => [c.candidateId, c.verification]),
        [[UNCLAIMED_CANDIDATE, "pending"]],
      );
      await shot(page, "candidate-claim");
      await w.check();
      await w.close();
    });

    it("is approved by the city admin in the claims page", async (ctx) => {
      const w = await open("/me", { session: admin });
      const { page } = w;
      await page.getByRole("link", { name: "Candidate claims" }).click();
      await page.getByRole("heading", { level: 1, name: "Candidate claims" }).waitFor();
      const name = (await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}`)).candidate.name;
      const card = page.locator("li.card", { has: page.getByRole("heading", { name }) });
      await card.getByText("RIV-2026-0107").waitFor();
      await card.getByText(candidateEmail).waitFor();
      await axe(page, ctx);
      await shot(page, "admin-claims");
      await card.getByRole("button", { name: `Approve the claim of ${name}` }).click();
      await page.getByText(`Approved: ${name} is verified.`).waitFor();
      await page.getByRole("heading", { name }).waitFor({ state: "detached" });
      const me = await apiGet("/me", candidate.idToken);
      assert.equal(me.candidacies[0].verification, "verified");
      // The badge shows (public pages are cached up to a second per function environment).
      await waitFor("the verified badge", async () => (await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}`)).candidate.verified, 5_000);
      // The decision is on the public log, without names.
      const log = await apiGet(`/cities/${CITY}/moderation/log`);
      assert.equal(log.entries[0].action, "approve_claim");
      assert.ok(!JSON.stringify(log.entries[0]).includes(candidateEmail));
      await w.check();
      await w.close();
    });

    it("answers the top question of the queue with a video file and sees it published", async (ctx) => {
      const w = await open("/me", { session: candidate });
      const { page } = w;
      await page.getByRole("link", { name: /Answer questions/ }).click();
      await page.getByRole("heading", { level: 1, name: "Questions to answer" }).waitFor();
      const top = (await apiGet(`/cities/${CITY}/contests/${MAYOR}/questions?sort=top`)).questions;
      await page.locator(".queue .q-text").first().waitFor();
      assert.deepEqual(
        (await page.locator(".queue .q-text").allInnerTexts()).map((s) => s.replace(/^\d+\.\s*/, "")),
        top.map((q) => q.text),
        "the queue is the contest's questions by rank",
      );
      await axe(page, ctx);
      await shot(page, "candidate-queue");
      published.question = top[0].id;
      published.text = top[0].text;
      ctx.diagnostic(await page.locator(".queue li").first().ariaSnapshot());
      await page.locator(".queue li", { hasText: top[0].text }).getByRole("link", { name: /^Answer/ }).click();
      await page.getByRole("heading", { level: 1, name: "Answer a question" }).waitFor();
      await page.getByText("Record with the camera").waitFor();
      await page.getByLabel("Choose a video file").check();
      await page.getByLabel("Video file", { exact: true }).setInputFiles(mp4);
      // The browser reads the file's length before it is sent.
      await page.locator(".file-picker video").evaluate((v) => new Promise((ok) => (v.readyState >= 1 ? ok() : v.addEventListener("loadedmetadata", ok))));
      await axe(page, ctx);
      await shot(page, "answer-file");
      // Watch the upload bar while it is on the page.
      await page.evaluate(() => {
        globalThis.__bars = [];
        new MutationObserver(() => {
          const p = document.getElementById("upload-progress");
          if (p) globalThis.__bars.push(Number(p.getAttribute("value")));
        }).observe(document.body, { subtree: true, childList: true, attributes: true });
      });
      const started = Date.now();
      await page.getByRole("button", { name: "Submit this answer" }).click();
      await page.getByRole("heading", { name: /Your answer:/ }).waitFor();
      await page.locator(".status-box .badge.status-published").waitFor({ timeout: 60_000 });
      ctx.diagnostic(`file answer: submitted to published in ${Date.now() - started} ms`);
      const bars = await page.evaluate(() => globalThis.__bars);
      assert.ok(bars.length > 0, "the upload progress bar was shown");
      assert.ok(bars.every((v) => v >= 0 && v <= 100), "percentages " + bars);
      await page.locator(".status-box video").waitFor();
      await page.getByText("Answers are on the record: there is no re-record.").waitFor();
      const progress = await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/answers/${published.question}`, candidate.idToken);
      assert.equal(progress.status, "published");
      assert.equal(progress.canUpload, false);
      assert.match(progress.playback.masterUrl, /^\/media\//, "media on the site's own origin");
      published.sha = progress.playback.provenanceSha256;
      await page.getByText(published.sha).waitFor();
      await axe(page, ctx);
      await shot(page, "answer-published");
      // One answer per question: the API refuses another upload.
      const again = await api("POST", `/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/answers/${published.question}/upload`, {
        token: candidate.idToken,
        body: { contentType: "video/mp4" },
      });
      assert.equal(again.status, 409);
      // The queue now says it is answered.
      await page.getByRole("link", { name: "← All questions to answer" }).click();
      await page.getByRole("link", { name: "See your answer" }).first().waitFor();
      await w.check();
      await w.close();
    });

    it("records an answer with the camera: countdown, time left, preview, submit", async (ctx) => {
      const top = (await apiGet(`/cities/${CITY}/contests/${MAYOR}/questions?sort=top`)).questions;
      const q = top.find((x) => x.id !== published.question);
      const w = await open(`/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/answers/${q.id}`, { session: candidate, permissions: ["camera", "microphone"] });
      const { page } = w;
      await page.getByRole("heading", { level: 1, name: "Answer a question" }).waitFor();
      await page.getByLabel("Record with the camera").check();
      await page.getByText("Recording stops by itself at 3:00.").waitFor();
      await page.getByRole("button", { name: "Turn on the camera" }).click();
      await page.getByRole("button", { name: "Start recording" }).click();
      await page.getByRole("timer", { name: "Recording starts in" }).waitFor();
      await shot(page, "recorder-countdown");
      const left = page.getByRole("timer", { name: "Time left" });
      await left.waitFor({ timeout: 10_000 });
      assert.match(await left.innerText(), /Recording · [23]:\d\d left/);
      await axe(page, ctx);
      // Record a little over the city's minimum (5 s), watching the time left fall.
      const first = await left.locator("strong").innerText();
      await page.waitForTimeout(6_000);
      assert.notEqual(await left.locator("strong").innerText(), first, "the time left counts down");
      await shot(page, "recorder-recording");
      await page.getByRole("button", { name: "Stop recording" }).click();
      await page.getByRole("heading", { name: /Your recording \(0:0[67]\)/ }).waitFor();
      // The take plays in the preview before it is sent.
      const preview = page.getByLabel("Your recording", { exact: true });
      await preview.evaluate((v) => new Promise((ok, fail) => (v.readyState >= 1 ? ok() : ((v.onloadedmetadata = ok), (v.onerror = fail)))));
      await shot(page, "recorder-preview");
      await page.getByRole("button", { name: "Submit this answer" }).click();
      await page.locator(".status-box .badge.status-published").waitFor({ timeout: 90_000 });
      const p = await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/answers/${q.id}`, candidate.idToken);
      assert.equal(p.status, "published");
      assert.ok(p.playback.durationSeconds >= 5 && p.playback.durationSeconds < 9, "duration " + p.playback.durationSeconds);
      await w.check();
      await w.close();
    });

    it("sees why an upload failed, and may try again", async (ctx) => {
      const top = (await apiGet(`/cities/${CITY}/contests/${MAYOR}/questions?sort=top`)).questions;
      const answered = new Set((await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}`)).answers.map((a) => a.questionId));
      const q = top.find((x) => !answered.has(x.id));
      // The preview cannot read the broken file: Chromium logs the media error.
      const w = await open(`/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/answers/${q.id}`, { session: candidate, viewport: PHONE });
      const { page } = w;
      await page.getByLabel("Choose a video file").check();
      await page.getByLabel("Video file", { exact: true }).setInputFiles(broken);
      await page.getByRole("button", { name: "Submit this answer" }).click();
      await page.locator(".status-box .badge.status-failed").waitFor({ timeout: 60_000 });
      const reason = (await apiGet(`/cities/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/answers/${q.id}`, candidate.idToken)).failureReason;
      assert.ok(reason, "the API gives a reason");
      await page.getByRole("alert").getByText(reason).waitFor();
      await page.getByRole("heading", { name: "Try again" }).waitFor();
      await fits(page);
      await axe(page, ctx);
      await shot(page, "answer-failed-360");
      await w.check();
      await w.close();
    });
  });

  describe("the candidate's pages on a phone", () => {
    it("fit 360 px: the profile, the queue", async (ctx) => {
      for (const [path, h1, name] of [
        [`/${CITY}/candidates/${UNCLAIMED_CANDIDATE}`, /Vasquez/, "candidate-360"],
        [`/${CITY}/candidates/${UNCLAIMED_CANDIDATE}/queue`, "Questions to answer", "candidate-queue-360"],
      ]) {
        const w = await open(path, { viewport: PHONE, session: published.session });
        await w.page.getByRole("heading", { level: 1, name: h1 }).waitFor();
        await w.page.locator(".card, .queue li").first().waitFor();
        await fits(w.page);
        await axe(w.page, ctx);
        await shot(w.page, name);
        await w.check();
        await w.close();
      }
    });
  });

  describe("a resident watches the answer", () => {
    const playing = (v) =>
      new Promise((ok, fail) => {
        const done = () => (!v.paused && v.currentTime > 0 ? ok({ currentTime: v.currentTime, w: v.videoWidth }) : null);
        v.addEventListener("timeupdate", done);
        v.addEventListener("error", () => fail(new Error("media error " + v.error?.code + " " + v.error?.message)));
        v.muted = true;
        v.play().catch(fail);
        setTimeout(() => fail(new Error(`not playing after 20 s (paused ${v.paused}, t ${v.currentTime}, state ${v.readyState})`)), 20_000);
      });

    it("plays the published answer on the question page", async (ctx) => {
      assert.ok(published.question, "the candidate's answer was published");
      const w = await open(`/${CITY}/questions/${published.question}`);
      const { page } = w;
      await page.getByRole("heading", { level: 1, name: published.text }).waitFor();
      const q = await apiGet(`/cities/${CITY}/questions/${published.question}`);
      const mine = q.candidates.find((c) => c.candidateId === UNCLAIMED_CANDIDATE);
      assert.equal(mine.status, "published");
      assert.equal(mine.answer.provenanceSha256, published.sha);
      const player = page.locator(".answer", { hasText: mine.name }).locator("figure.player");
      await player.getByText(published.sha).waitFor();
      await player.getByText(/Length 0:0[56]/).waitFor();
      const engine = await player.getAttribute("data-engine");
      const video = player.locator("video");
      assert.equal(await video.getAttribute("poster"), mine.answer.posterUrl);
      const state = await video.evaluate(playing);
      ctx.diagnostic(`played with ${engine}: ${JSON.stringify(state)}`);
      assert.ok(state.currentTime > 0);
      await axe(page, ctx);
      await shot(page, "question-with-answer");
      await w.check();
      await w.close();
    });

    it("plays it through hls.js (Media Source Extensions) where the browser has no HLS of its own", async (ctx) => {
      // Chromium now answers "maybe" for HLS; Firefox and older Chromium answer "",
      // and get hls.js. Take that path here by hiding the element's own HLS.
      const w = await open(null);
      await w.context.addInitScript(() => {
        const own = HTMLMediaElement.prototype.canPlayType;
        HTMLMediaElement.prototype.canPlayType = function (type) {
          return /mpegurl/i.test(type) ? "" : own.call(this, type);
        };
      });
      const { page } = w;
      const hls = [];
      page.on("request", (r) => {
        if (/\/assets\/hls[-.]/.test(r.url())) hls.push(r.url());
      });
      await page.goto(`/${CITY}/questions/${published.question}`);
      const player = page.locator("figure.player").first();
      await player.locator("video").waitFor();
      await page.waitForFunction(() => document.querySelector("figure.player")?.getAttribute("data-engine") === "hls.js");
      const state = await player.locator("video").evaluate(playing);
      ctx.diagnostic(`played with hls.js over MSE: ${JSON.stringify(state)}`);
      assert.equal(hls.length, 1, "hls.js was downloaded once, for the player");
      const src = await player.locator("video").evaluate((v) => v.currentSrc);
      assert.match(src, /^blob:/, "hls.js feeds the element through a MediaSource");
      await w.check();
      await w.close();
    });
  });
}
