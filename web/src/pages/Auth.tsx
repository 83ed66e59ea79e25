import { useEffect, useRef, useState } from "preact/hooks";
import { CognitoError, confirmSignUp, resendCode, signIn, signUp } from "../auth";
import { config } from "../config";
import { navigate } from "../router";
import { Page } from "../ui";

/** safeNext keeps a return path on this site ("/riverton/..."), never another origin. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function useSignInAvailable(): boolean | undefined {
  const [ok, set] = useState<boolean | undefined>(undefined);
  useEffect(() => {
    config().then((c) => set(!!c.cognito));
  }, []);
  return ok;
}

function message(err: unknown): string {
  if (!(err instanceof CognitoError)) return "Something went wrong. Please try again.";
  switch (err.type) {
    case "NotAuthorizedException":
      return "The e-mail address or the password is not right.";
    case "UserNotFoundException":
      return "The e-mail address or the password is not right.";
    case "UsernameExistsException":
      return "An account with this e-mail address already exists. Sign in instead.";
    case "CodeMismatchException":
      return "That code is not the one we sent. Check the e-mail and try again.";
    case "ExpiredCodeException":
      return "That code has expired. Ask for a new one.";
    case "LimitExceededException":
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
      return "Too many attempts. Please wait a few minutes and try again.";
    default:
      return err.message;
  }
}

function NotAvailable() {
  return (
    <p class="notice">
      Sign-in is not set up on this server. (Locally, start the stack with its Cognito stand-in; see the README.)
    </p>
  );
}

export function SignIn({ next }: { next: string | null }) {
  const available = useSignInAvailable();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [unconfirmed, setUnconfirmed] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await signIn(email.trim(), password);
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      if (err instanceof CognitoError && err.type === "UserNotConfirmedException") setUnconfirmed(true);
      else setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  if (unconfirmed) {
    return (
      <Page title="Confirm your e-mail address">
        <Confirm email={email.trim()} password={password} next={next} />
      </Page>
    );
  }
  return (
    <Page title="Sign in">
      {available === false && <NotAvailable />}
      {available && (
        <form onSubmit={submit}>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="field">
            <label for="email">E-mail address</label>
            <input id="email" type="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <input
              id="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          <p>
            New to CivicQ? <a href={"/signup" + (next ? "?next=" + encodeURIComponent(next) : "")}>Create an account</a>.
          </p>
        </form>
      )}
    </Page>
  );
}

export function SignUp({ next }: { next: string | null }) {
  const available = useSignInAvailable();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [step, setStep] = useState<"form" | "confirm">("form");
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const r = await signUp(email.trim(), password);
      if (r.confirmed) {
        await signIn(email.trim(), password);
        navigate(safeNext(next), { replace: true });
      } else {
        setStep("confirm");
      }
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  if (step === "confirm") {
    return (
      <Page title="Confirm your e-mail address">
        <Confirm email={email.trim()} password={password} next={next} />
      </Page>
    );
  }
  return (
    <Page title="Create an account" lead="An account lets you ask questions and vote. Your e-mail address is never shown.">
      {available === false && <NotAvailable />}
      {available && (
        <form onSubmit={submit}>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="field">
            <label for="email">E-mail address</label>
            <input id="email" type="email" autoComplete="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="password">Password</label>
            <p class="hint" id="password-hint">
              At least 12 characters, with upper- and lower-case letters, a digit and a symbol.
            </p>
            <input
              id="password"
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              aria-describedby="password-hint"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </div>
          <button type="submit" disabled={busy}>
            {busy ? "Creating the account…" : "Create the account"}
          </button>
          <p>
            Have an account? <a href={"/signin" + (next ? "?next=" + encodeURIComponent(next) : "")}>Sign in</a>.
          </p>
        </form>
      )}
    </Page>
  );
}

function Confirm({ email, password, next }: { email: string; password: string; next: string | null }) {
  const [code, setCode] = useState("");
  const [error, setError] = useState("");
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  async function resend() {
    setError("");
    try {
      await resendCode(email);
      setNote("We sent a new code to " + email + ".");
    } catch (err) {
      setError(message(err));
    }
  }

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await confirmSignUp(email, code.trim());
      await signIn(email, password);
      navigate(safeNext(next), { replace: true });
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit}>
      <p>We e-mailed a code to {email}. Enter it here to confirm the address (or ask for a new one).</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p role="status">{note}</p>
      <div class="field">
        <label for="code">Confirmation code</label>
        <input
          id="code"
          ref={input}
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onInput={(e) => setCode(e.currentTarget.value)}
        />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? "Confirming…" : "Confirm"}
      </button>{" "}
      <button type="button" class="secondary" onClick={resend}>
        Send a new code
      </button>
    </form>
  );
}
