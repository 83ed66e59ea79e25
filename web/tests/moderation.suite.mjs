// Moderation in the browser: a moderator (made with scripts/cityadmin) approves
// a pending question, merges a duplicate into a published one (picking the
// target) and rejects one with a reason; a resident reports the approved question; the moderator upholds the
// report with a reason code and text; the author reads the reason in My
// questions and appeals; the public log shows each decision and its reason,
// never who made it.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CITY, MAYOR, PASSWORD, PHONE, RENTS_Q, api, apiGet, axe, email, fits, open, shot, t } from "./harness.mjs";

/** moderationSuites registers the suites, in order, in the calling test file. */
export function moderationSuites() {
  describe("moderation", () => {
    let moderator, author, reporter, moderatorEmail, authorEmail;
    const stamp = Date.now();
    const first = `Will you publish the city's snow plow routes before winter, street by street (${stamp})?`;
    const dup = `What will you do about rents going up so fast here (${stamp})?`;
    const rude = `Why does the candidate dress so badly at debates (${stamp})?`;
    const ids = {};

    const ask = async (text) => {
      const r = await api("POST", `/cities/${CITY}/contests/${MAYOR}/questions`, { token: author.idToken, body: { text } });
      assert.equal(r.status, 201, JSON.stringify(r.data));
      assert.equal(r.data.question.status, "pending");
      return r.data.question.id;
    };
    const card = (page, text) => page.locator("ol.queue-items > li", { has: page.getByRole("heading", { name: text }) });

    before(async () => {
      moderatorEmail = email("moderator");
      moderator = await t.stack.signUp(moderatorEmail, PASSWORD);
      await apiGet("/me", moderator.idToken);
      await t.stack.grantRole(CITY, moderatorEmail, "moderator");
      authorEmail = email("author");
      author = await t.stack.signUp(authorEmail, PASSWORD);
      reporter = await t.stack.signUp(email("reporter"), PASSWORD);
      ids.first = await ask(first);
      ids.dup = await ask(dup);
      ids.rude = await ask(rude);
    });

    it("a moderator approves a pending question, merges a duplicate (picking the target) and rejects one with a reason", async (ctx) => {
      const w = await open("/me", { session: moderator });
      const { page } = w;
      await page.getByRole("link", { name: "Moderation queue" }).click();
      await page.getByRole("heading", { level: 1, name: "Moderation queue" }).waitFor();
      await card(page, first).waitFor();
      await card(page, dup).waitFor();
      await axe(page, ctx);
      await shot(page, "moderation-queue");

      await card(page, first).getByRole("button", { name: "Approve" }).click();
      await page.getByRole("status").getByText(`Approved: "${first}".`).waitFor();
      await card(page, first).waitFor({ state: "detached" });

      // Merge: the closest published questions are offered first.
      const rents = (await apiGet(`/cities/${CITY}/questions/${RENTS_Q}`)).question.text;
      await card(page, dup).getByRole("button", { name: "Merge…" }).click();
      const target = card(page, dup).getByRole("radio", { name: rents });
      await target.waitFor();
      await axe(page, ctx);
      await shot(page, "moderation-merge");
      await target.check();
      await card(page, dup).getByRole("button", { name: "Merge into the chosen question" }).click();
      await page.getByRole("status").getByText(`Merged: "${dup}".`).waitFor();

      // Reject with a reason code and the text the author will read.
      const why = `Questions are about what candidates would do in office (${stamp}).`;
      const r = card(page, rude);
      await r.getByRole("button", { name: "Reject…" }).click();
      await r.getByLabel("Reason", { exact: true }).selectOption("off-topic");
      await r.getByLabel(/Explanation/).fill(why);
      await r.getByRole("button", { name: "Reject the question" }).click();
      await page.getByRole("status").getByText(`Rejected: "${rude}".`).waitFor();

      const mine = (await apiGet("/me", author.idToken)).questions;
      assert.equal(mine.find((q) => q.id === ids.first).status, "approved");
      const rejected = mine.find((q) => q.id === ids.rude);
      assert.deepEqual([rejected.status, rejected.rejectionCode, rejected.rejectionReason], ["rejected", "off-topic", why]);
      const merged = mine.find((q) => q.id === ids.dup);
      assert.deepEqual([merged.status, merged.mergedInto], ["merged", RENTS_Q]);
      await w.check();
      await w.close();
    });

    it("a resident reports the question with a reason", async (ctx) => {
      const w = await open(`/${CITY}/questions/${ids.first}`, { session: reporter });
      const { page } = w;
      await page.getByRole("heading", { level: 1, name: first }).waitFor();
      await page.getByRole("button", { name: "Report this question" }).click();
      await page.getByLabel("Why should moderators look at it?").selectOption("off-topic");
      await page.getByLabel("Details (optional)").fill("It is about the roads department, not the mayor's race.");
      await axe(page, ctx);
      await page.getByRole("button", { name: "Send the report" }).click();
      await page.getByText("Thank you: the moderators will review it.").waitFor();
      // Once per resident: the API says so.
      const again = await api("POST", `/cities/${CITY}/reports`, {
        token: reporter.idToken,
        body: { targetType: "question", targetId: ids.first, reason: "spam" },
      });
      assert.equal(again.status, 409);
      await w.check();
      await w.close();
    });

    it("the moderator upholds the report with a reason code and text; the author reads it and appeals", async (ctx) => {
      const reason = `Questions go to the candidates of this race; ask the roads department about plow routes (${stamp}).`;
      const w = await open(`/${CITY}/moderation`, { session: moderator, viewport: PHONE });
      const { page } = w;
      const item = card(page, first);
      await item.getByText("1 open report: Off topic").waitFor();
      await item.getByRole("button", { name: "Uphold…" }).click();
      // The form refuses a decision without a reason.
      await item.getByRole("button", { name: "Uphold the reports" }).click();
      await item.getByText("Choose a reason.").waitFor();
      await item.getByLabel("Reason", { exact: true }).selectOption("off-topic");
      await item.getByLabel(/Explanation/).fill(reason);
      await fits(page);
      await axe(page, ctx);
      await shot(page, "moderation-uphold-360");
      await item.getByRole("button", { name: "Uphold the reports" }).click();
      await page.getByRole("status").getByText(`Reports upheld: "${first}" stays hidden.`).waitFor();
      await w.check();
      await w.close();

      const a = await open("/me", { session: author });
      const me = a.page;
      const mineItem = me.locator(".my-questions li", { hasText: first });
      await mineItem.getByText("Rejected").waitFor();
      await mineItem.getByText(reason).waitFor();
      await mineItem.getByText("(Off topic)").waitFor();
      await axe(me, ctx);
      await shot(me, "my-questions-rejected");
      await mineItem.getByRole("button", { name: /^Appeal/ }).click();
      await mineItem.getByText("You appealed: a moderator will review it again.").waitFor();
      const q = (await apiGet("/me", author.idToken)).questions.find((x) => x.id === ids.first);
      assert.equal(q.status, "pending");
      assert.ok(q.appealedAt);
      await a.check();
      await a.close();
    });

    it("the public log shows every decision with its reason, never who made it", async (ctx) => {
      const w = await open(`/${CITY}`);
      const { page } = w;
      await page.getByRole("link", { name: "the public moderation log" }).click();
      await page.getByRole("heading", { level: 1, name: "Moderation log" }).waitFor();
      const log = await apiGet(`/cities/${CITY}/moderation/log`);
      const ours = log.entries.filter((e) => [ids.first, ids.dup, ids.rude].includes(e.targetId));
      assert.deepEqual(
        ours.map((e) => [e.action, e.actorRole]),
        [
          ["appeal", "author"],
          ["uphold_report", "moderator"],
          ["reject", "moderator"],
          ["merge", "moderator"],
          ["approve", "moderator"],
        ],
      );
      const cards = page.locator("ol.log > li");
      await cards.first().waitFor();
      const text = await page.locator("main").innerText();
      for (const s of ["Appealed · The author", "Reports upheld · A moderator", "Rejected · A moderator", "Merged · A moderator", "Approved · A moderator"]) {
        assert.ok(text.includes(s), `the log shows "${s}"`);
      }
      assert.ok(text.includes(ours[1].reasonText), "the reason's text is public");
      for (const who of [moderatorEmail, authorEmail, "moderator-", "author-"]) {
        assert.ok(!text.includes(who), `the log names no one (${who})`);
        assert.ok(!JSON.stringify(log).includes(who), `the API's log names no one (${who})`);
      }
      await axe(page, ctx);
      await shot(page, "moderation-log");
      await w.check();
      await w.close();
    });

    it("reporting works from the keyboard alone", async (ctx) => {
      const w = await open(`/${CITY}/questions/${RENTS_Q}`, { session: reporter });
      const { page } = w;
      const report = page.getByRole("button", { name: "Report this question" });
      await report.waitFor();
      for (let i = 0; i < 40 && !(await report.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
      assert.equal(await report.evaluate((el) => el === document.activeElement), true, "Tab reaches Report");
      await page.keyboard.press("Enter");
      // The form opens with the focus on its first control.
      const reason = page.getByLabel("Why should moderators look at it?");
      await reason.waitFor();
      assert.equal(await reason.evaluate((el) => el === document.activeElement), true, "focus moves into the form");
      await page.keyboard.press("ArrowDown"); // the first reason
      assert.notEqual(await reason.inputValue(), "");
      await page.keyboard.press("Tab"); // details
      await page.keyboard.type("Checked from the keyboard.");
      await page.keyboard.press("Tab"); // Send the report
      await page.keyboard.press("Enter");
      await page.getByText("Thank you: the moderators will review it.").waitFor();
      await axe(page, ctx);
      await w.check();
      await w.close();
    });

    it("the log fits a 360 px phone", async (ctx) => {
      const w = await open(`/${CITY}/moderation/log`, { viewport: PHONE });
      await w.page.locator("ol.log > li").first().waitFor();
      await fits(w.page);
      await axe(w.page, ctx);
      await shot(w.page, "moderation-log-360");
      await w.check();
      await w.close();
    });

    it("refuses the queue to a resident without a role", async (ctx) => {
      const w = await open(`/${CITY}/moderation`, { session: reporter });
      await w.page.getByText("This page is for the city's moderators.").waitFor();
      await axe(w.page, ctx);
      const r = await api("GET", `/cities/${CITY}/moderation/queue`, { token: reporter.idToken });
      assert.equal(r.status, 403);
      await w.check();
      await w.close();
    });
  });
}
