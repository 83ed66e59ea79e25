// The local stack for the browser tests: the devserver (built by `make test-web`
// as build/web-test/devserver) on a free loopback port with a throwaway database
// holding the demo cities, serving web/dist and the API exactly as `make dev` does.

import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

/**
 * startStack runs the devserver and waits until it answers. It resolves to the
 * base URL, the local issuer's token for a verified demo resident (null when the
 * devserver is configured with a real identity provider) and stop().
 */
export async function startStack() {
  for (const v of ["DATABASE_URL", "CIVICQ_TEST_DATABASE_URL"]) {
    if (!process.env[v]) throw new Error(`${v} is not set: run through \`make test-web\` (or eval "$(scripts/services.sh env)")`);
  }
  const port = await freePort();
  const bin = process.env.CIVICQ_DEVSERVER ?? join(root, "build/web-test/devserver");
  const logDir = join(root, "build/web-test");
  mkdirSync(logDir, { recursive: true });
  const child = spawn(
    bin,
    ["-addr", `127.0.0.1:${port}`, "-throwaway", "-log", join(logDir, "functions.log"), "-web", join(root, "web/dist")],
    { cwd: root, env: process.env, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  let exited = null;
  const done = new Promise((ok) =>
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      ok();
    }),
  );
  child.on("error", (err) => {
    exited = { error: err };
  });

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`devserver exited (${JSON.stringify(exited)}):\n${stderr}`);
    try {
      const res = await fetch(base + "/api/health");
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error("devserver did not answer within 90 s:\n" + stderr);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  const token = /TOKEN=(\S+)/.exec(stderr)?.[1] ?? null;

  async function stop() {
    if (exited) return;
    child.kill("SIGTERM"); // the devserver drops its throwaway database on the way out
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await done;
    clearTimeout(timer);
  }
  return { base, token, stop, log: () => stderr };
}
