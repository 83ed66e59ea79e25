// Sign-up and sign-in against Amazon Cognito's user pool API, spoken directly with
// fetch: the same JSON calls (X-Amz-Target AWSCognitoIdentityProviderService.*)
// the AWS SDK makes, without the SDK in the bundle. Locally the endpoint is
// cognito-local, which answers the same calls.
//
// The ID token is what the HTTP API's JWT authorizer checks (its audience is the
// app client). It and the refresh token live in sessionStorage: they survive a
// reload but not the closing of the tab, and are never sent anywhere but to the
// API (as a Bearer token) and to Cognito.

import { useEffect, useState } from "preact/hooks";
import { config, type CognitoConfig } from "./config";

const KEY = "civicq.session";

export interface Session {
  idToken: string;
  refreshToken?: string;
  expiresAt: number; // ms since the epoch, from the token's exp
  email: string;
  emailVerified: boolean;
  subject: string;
}

/** CognitoError is a refusal by Cognito, with its exception name ("UsernameExistsException"). */
export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

let current: Session | null = load();
const listeners = new Set<(s: Session | null) => void>();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    // Only the tokens are trusted from storage; what the page shows is read from them.
    const s = JSON.parse(raw) as Partial<Session>;
    return s.idToken ? sessionFromTokens(s.idToken, s.refreshToken) : null;
  } catch {
    return null;
  }
}

function save(s: Session | null) {
  current = s;
  try {
    if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage can be off (private mode); the session then lives in memory only.
  }
  listeners.forEach((l) => l(s));
}

/** claims decodes a JWT's payload. The API verifies the signature; the page only reads it. */
export function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** sessionFromTokens builds a session from an ID token (and a refresh token). */
export function sessionFromTokens(idToken: string, refreshToken?: string): Session {
  const c = claims(idToken);
  return {
    idToken,
    refreshToken,
    expiresAt: typeof c.exp === "number" ? c.exp * 1000 : Date.now() + 3600_000,
    email: typeof c.email === "string" ? c.email : "",
    emailVerified: c.email_verified === true || c.email_verified === "true",
    subject: typeof c.sub === "string" ? c.sub : "",
  };
}

export function session(): Session | null {
  return current;
}

export function signOut() {
  save(null);
}

/** useSession re-renders a component when the caller signs in or out. */
export function useSession(): Session | null {
  const [s, set] = useState(current);
  useEffect(() => {
    listeners.add(set);
    return () => void listeners.delete(set);
  }, []);
  return s;
}

async function cognito(): Promise<CognitoConfig> {
  const c = (await config()).cognito;
  if (!c) throw new CognitoError("NotConfigured", "Sign-in is not set up on this server.");
  return c;
}

/** call makes one Cognito user pool API call, as the SDK does. */
async function call<T>(action: string, body: Record<string, unknown>): Promise<T> {
  const c = await cognito();
  let res: Response;
  try {
    res = await fetch(c.endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService." + action,
      },
      body: JSON.stringify({ ClientId: c.clientId, ...body }),
    });
  } catch {
    throw new CognitoError("NetworkError", "Could not reach the sign-in service. Check your connection and try again.");
  }
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    // "__type" is "UsernameExistsException" or "com.amazonaws...#UsernameExistsException".
    const type = String(data.__type ?? res.headers.get("x-amzn-errortype") ?? "Error").split("#").pop()!.split(":")[0];
    const msg = String(data.message ?? data.Message ?? `Sign-in service error (${res.status}).`);
    throw new CognitoError(type, msg);
  }
  return data as T;
}

/** signUp registers an account; Cognito e-mails a confirmation code. */
export async function signUp(email: string, password: string): Promise<{ confirmed: boolean }> {
  const r = await call<{ UserConfirmed?: boolean }>("SignUp", {
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
  return { confirmed: r.UserConfirmed === true };
}

/** confirmSignUp checks the e-mailed code, which also verifies the address. */
export async function confirmSignUp(email: string, code: string): Promise<void> {
  await call("ConfirmSignUp", { Username: email, ConfirmationCode: code });
}

/** resendCode sends a new confirmation code. */
export async function resendCode(email: string): Promise<void> {
  await call("ResendConfirmationCode", { Username: email });
}

interface AuthResult {
  AuthenticationResult?: { IdToken: string; RefreshToken?: string; ExpiresIn?: number };
  ChallengeName?: string;
}

/** signIn runs InitiateAuth with USER_PASSWORD_AUTH and keeps the tokens. */
export async function signIn(email: string, password: string): Promise<Session> {
  const r = await call<AuthResult>("InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!r.AuthenticationResult) {
    throw new CognitoError(
      r.ChallengeName ?? "Challenge",
      `This account needs a sign-in step this app does not support yet (${r.ChallengeName ?? "unknown"}).`,
    );
  }
  const s = sessionFromTokens(r.AuthenticationResult.IdToken, r.AuthenticationResult.RefreshToken);
  save(s);
  return s;
}

let refreshing: Promise<string | null> | null = null;

/**
 * idToken returns a token valid for at least a minute, refreshing it with
 * REFRESH_TOKEN_AUTH when it is about to expire; null when signed out or the
 * session cannot be renewed (the caller is then signed out).
 */
export async function idToken(): Promise<string | null> {
  const s = current;
  if (!s) return null;
  if (s.expiresAt - Date.now() > 60_000) return s.idToken;
  if (!s.refreshToken) {
    save(null);
    return null;
  }
  refreshing ??= call<AuthResult>("InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    AuthParameters: { REFRESH_TOKEN: s.refreshToken },
  })
    .then((r) => {
      const id = r.AuthenticationResult?.IdToken;
      if (!id) throw new CognitoError("RefreshFailed", "The session could not be renewed.");
      save(sessionFromTokens(id, r.AuthenticationResult?.RefreshToken ?? s.refreshToken));
      return id;
    })
    .catch(() => {
      save(null);
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

