// The one HTTP client of the app: the API's envelope, the session's tokens, refresh before expiry.
// Tokens live in memory and in sessionStorage (so a reload keeps the session), never localStorage.

export interface AppConfig {
  apiBaseUrl: string; // e.g. http://127.0.0.1:3000/api/v1 or https://<api>/Prod/api/v1
  userPoolId: string;
  userPoolClientId: string;
  region: string;
  stage: string;
  chimeMedia: boolean; // false on the local stack: meetings there carry no media
}

export interface Resource<A = Record<string, unknown>> {
  id: string;
  type: string;
  attributes: A;
  relationships?: Record<string, unknown>;
}

export interface Page<A> {
  items: Resource<A>[];
  nextCursor: string | null;
}

export interface ApiErrorItem {
  code: string;
  message: string;
  field?: string | null;
  /** Machine-readable detail of some errors (SLOT_UNAVAILABLE: reason, time_zone, next_slots). */
  details?: Record<string, unknown> | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiErrorItem[],
  ) {
    super(errors.map((error) => error.message).join(" ") || `HTTP ${status}`);
  }
  get code(): string {
    return this.errors[0]?.code ?? "";
  }
}

interface Session {
  accessToken: string;
  idToken: string;
  refreshToken: string | null;
  expiresAt: number; // epoch ms
  email: string;
}

const SESSION_KEY = "rfy.session";
const REFRESH_MARGIN_MS = 60_000; // renew a minute before the access token expires

let config: AppConfig | null = null;
let session: Session | null = null;
let refreshTimer: number | undefined;
let refreshing: Promise<boolean> | null = null;
let onSignedOut: (reason: string) => void = () => undefined;

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  config = (await response.json()) as AppConfig;
  return config;
}

export function appConfig(): AppConfig {
  if (!config) throw new Error("config not loaded");
  return config;
}

/** Called when the session ends without the person asking (refresh refused, 401). */
export function whenSignedOut(callback: (reason: string) => void): void {
  onSignedOut = callback;
}

export function restoreSession(): boolean {
  const stored = sessionStorage.getItem(SESSION_KEY);
  if (!stored) return false;
  try {
    session = JSON.parse(stored) as Session;
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return false;
  }
  scheduleRefresh();
  return true;
}

export function signedIn(): boolean {
  return session !== null;
}

export function sessionEmail(): string {
  return session?.email ?? "";
}

function keep(next: Session | null): void {
  session = next;
  window.clearTimeout(refreshTimer);
  if (next) {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(next));
    scheduleRefresh();
  } else {
    sessionStorage.removeItem(SESSION_KEY);
  }
}

function scheduleRefresh(): void {
  if (!session?.refreshToken) return;
  const wait = Math.max(0, session.expiresAt - REFRESH_MARGIN_MS - Date.now());
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void refresh(), wait);
}

interface TokenAttributes {
  access_token: string;
  id_token: string;
  refresh_token?: string | null;
  expires_in: number;
}

function fromTokens(tokens: TokenAttributes, email: string, refreshToken: string | null): Session {
  return {
    accessToken: tokens.access_token,
    idToken: tokens.id_token,
    refreshToken: tokens.refresh_token ?? refreshToken,
    expiresAt: Date.now() + tokens.expires_in * 1000,
    email,
  };
}

export async function signIn(email: string, password: string): Promise<void> {
  const tokens = await request<TokenAttributes>("POST", "/auth/login", { email, password }, { auth: false });
  keep(fromTokens(tokens.attributes, email, null));
}

/** New tokens from the refresh token; false (and signed out) when the API refuses it. */
export function refresh(): Promise<boolean> {
  if (!session?.refreshToken) return Promise.resolve(false);
  refreshing ??= (async () => {
    const current = session;
    try {
      const tokens = await request<TokenAttributes>(
        "POST",
        "/auth/refresh",
        { refresh_token: current?.refreshToken },
        { auth: false },
      );
      if (current) keep(fromTokens(tokens.attributes, current.email, current.refreshToken));
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        keep(null);
        onSignedOut(error.message);
      }
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function signOut(): Promise<void> {
  try {
    if (session) await request("POST", "/auth/logout", {});
  } catch {
    // Signing out locally matters more than the API's answer (the token may already be gone).
  } finally {
    keep(null);
  }
}

interface RequestOptions {
  auth?: boolean;
  query?: Record<string, string | number | undefined | null>;
}

async function send(method: string, path: string, body: unknown, options: RequestOptions): Promise<Response> {
  const url = new URL(appConfig().apiBaseUrl.replace(/\/$/, "") + path, window.location.href);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (options.auth !== false && session) headers.Authorization = `Bearer ${session.accessToken}`;
  return fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

interface Envelope<A> {
  success: boolean;
  data?: Resource<A> | Resource<A>[];
  errors?: ApiErrorItem[];
  meta?: { pagination?: { next_cursor?: string | null } };
  message?: string;
}

async function parse<A>(response: Response): Promise<Envelope<A>> {
  const text = await response.text();
  try {
    return text ? (JSON.parse(text) as Envelope<A>) : { success: response.ok };
  } catch {
    return { success: false, errors: [{ code: "BAD_RESPONSE", message: text.slice(0, 200) }] };
  }
}

async function call<A>(method: string, path: string, body: unknown, options: RequestOptions): Promise<Envelope<A>> {
  if (options.auth !== false && session && session.expiresAt - Date.now() < REFRESH_MARGIN_MS / 2) {
    await refresh();
  }
  let response = await send(method, path, body, options);
  if (response.status === 401 && options.auth !== false && session) {
    // An expired or revoked access token: one refresh, one retry; then the person signs in again.
    if (await refresh()) response = await send(method, path, body, options);
  }
  const envelope = await parse<A>(response);
  if (!response.ok || envelope.success === false) {
    const errors = envelope.errors ?? [{ code: `HTTP_${response.status}`, message: envelope.message ?? "" }];
    if (response.status === 401 && options.auth !== false && session) {
      // (A refused refresh has already ended the session and said so: once is enough.)
      keep(null);
      onSignedOut(errors[0]?.message ?? "Please sign in again.");
    }
    throw new ApiError(response.status, errors);
  }
  return envelope;
}

export async function request<A = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<Resource<A>> {
  const envelope = await call<A>(method, path, body, options);
  return envelope.data as Resource<A>;
}

export async function list<A = Record<string, unknown>>(
  path: string,
  query: RequestOptions["query"] = {},
): Promise<Page<A>> {
  const envelope = await call<A>("GET", path, undefined, { query });
  return {
    items: (envelope.data as Resource<A>[]) ?? [],
    nextCursor: envelope.meta?.pagination?.next_cursor ?? null,
  };
}
