// The local stack for the browser tests: the devserver (built by `make test-web`
// as build/web-test/devserver) on a free loopback port with a throwaway database
// holding the demo cities, cognito-local with a pool of its own and the local S3
// on free ports, serving web/dist and the API exactly as `make dev` does.

import { execFile, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * startStack runs the devserver and waits until it answers. It resolves to the
 * stack: its base URL, /config.json, the throwaway database's DSN, and helpers
 * to read confirmation codes, sign users up through Cognito's API and give them
 * roles; stop() ends it (the devserver drops its database and cognito-local's
 * pool).
 */
export async function startStack() {
  for (const v of ["DATABASE_URL", "CIVICQ_TEST_DATABASE_URL"]) {
    if (!process.env[v]) throw new Error(`${v} is not set: run through \`make test-web\` (or eval "$(scripts/services.sh env)")`);
  }
  const port = await freePort();
  const bin = process.env.CIVICQ_DEVSERVER ?? join(root, "build/web-test/devserver");
  const logDir = join(root, "build/web-test");
  mkdirSync(logDir, { recursive: true });
  const cognitoLog = join(logDir, "cognito-local.log");
  rmSync(cognitoLog, { force: true });
  const env = { ...process.env };
  // Free ports of its own, whatever a developer's shell says for `make dev`.
  // The fastest x264 preset: the tests check the path, not the encoder's quality.
  env.TRANSCODE_PRESET ??= "ultrafast";
  for (const v of ["COGNITO_LOCAL_PORT", "LOCAL_S3_ADDR", "MEDIA_BASE_URL", "S3_ENDPOINT", "JWT_ISSUER", "JWT_JWKS_URL", "COGNITO_ENDPOINT"]) delete env[v];
  const child = spawn(
    bin,
    [
      "-addr",
      `127.0.0.1:${port}`,
      "-throwaway",
      "-log",
      join(logDir, "functions.log"),
      "-cognito-log",
      cognitoLog,
      "-web",
      join(root, "web/dist"),
    ],
    { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] },
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
    await sleep(150);
  }

  async function stop() {
    if (exited) return;
    child.kill("SIGTERM"); // the devserver drops its throwaway database on the way out
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await done;
    clearTimeout(timer);
  }

  const config = await (await fetch(base + "/config.json")).json();
  if (!config.cognito) {
    await stop();
    throw new Error(
      "the devserver has no sign-in (/config.json names no Cognito endpoint): cognito-local must run " +
        "(`make cognito-local` installs it; node is needed). Its output:\n" + stderr,
    );
  }
  const dsn = /throwaway database: (\S+)/.exec(stderr)?.[1];
  if (!dsn) throw new Error("the devserver did not print its throwaway database:\n" + stderr);

  /**
   * confirmationCode waits for the code cognito-local "e-mailed" to email (it
   * prints each message in a box naming the destination and the code).
   */
  async function confirmationCode(email, { after = 0 } = {}) {
    const re = new RegExp(`Destination:\\s+${email.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[\\s\\S]*?Code:\\s+(\\d{6})`, "g");
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(50)) {
      const log = readFileSync(cognitoLog, "utf8");
      const codes = [...log.matchAll(re)].filter((m) => m.index >= after).map((m) => m[1]);
      if (codes.length > 0) return codes.at(-1);
    }
    throw new Error(`no confirmation code for ${email} in ${cognitoLog}`);
  }

  /** cognito makes one call of Cognito's user pool API, as the page does. */
  async function cognito(action, body) {
    const res = await fetch(config.cognito.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSCognitoIdentityProviderService." + action },
      body: JSON.stringify({ ClientId: config.cognito.clientId, ...body }),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`${action}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  }

  /**
   * signUp registers email through the app client, confirms it with the code
   * from cognito-local's log (the PostConfirmation trigger marks the address
   * verified, as Cognito does) and signs in: the ID token a page would hold.
   */
  async function signUp(email, password) {
    await cognito("SignUp", { Username: email, Password: password, UserAttributes: [{ Name: "email", Value: email }] });
    await cognito("ConfirmSignUp", { Username: email, ConfirmationCode: await confirmationCode(email) });
    return signIn(email, password);
  }

  async function signIn(email, password) {
    const r = await cognito("InitiateAuth", { AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: email, PASSWORD: password } });
    return { idToken: r.AuthenticationResult.IdToken, refreshToken: r.AuthenticationResult.RefreshToken };
  }

  /**
   * grantRole gives email a role in city with scripts/cityadmin, as a city's
   * first admin is made (README "Roles"); they must have called the API once.
   */
  async function grantRole(city, email, role = "city_admin") {
    const bin = process.env.CIVICQ_CITYADMIN ?? join(root, "build/web-test/cityadmin");
    await run(bin, ["-city", city, "-user", email, "-role", role], { env: { ...process.env, DATABASE_URL: dsn } });
  }

  return { base, config, dsn, cognitoLog, stop, log: () => stderr, confirmationCode, cognito, signUp, signIn, grantRole };
}
