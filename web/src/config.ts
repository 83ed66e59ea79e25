// The runtime settings the server hands the page at /config.json: where the API
// is and, when sign-in is set up, which Cognito endpoint, user pool and app client
// to use. The same build runs locally (the devserver writes the file from its own
// settings) and in AWS (the CDK stack writes it with the stack's ids), so nothing
// environment-specific is baked into the bundle.

export interface CognitoConfig {
  endpoint: string; // https://cognito-idp.<region>.amazonaws.com/ or cognito-local's URL
  region: string;
  userPoolId: string;
  clientId: string;
}

export interface AppConfig {
  apiBase: string; // "/api"
  cognito?: CognitoConfig;
}

let loaded: Promise<AppConfig> | undefined;

export function config(): Promise<AppConfig> {
  loaded ??= fetch("/config.json", { headers: { Accept: "application/json" } })
    .then(async (res) => {
      if (!res.ok) throw new Error(`/config.json answered ${res.status}`);
      const c = (await res.json()) as Partial<AppConfig>;
      const cognito = c.cognito && c.cognito.endpoint && c.cognito.clientId ? c.cognito : undefined;
      return { apiBase: c.apiBase || "/api", cognito };
    })
    .catch((err: unknown) => {
      // Without the file the public pages still work against /api; sign-in is off.
      console.warn("CivicQ: no usable /config.json, sign-in disabled:", err);
      return { apiBase: "/api" };
    });
  return loaded;
}
