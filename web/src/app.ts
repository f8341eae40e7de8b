// The shell: configuration, the router, the header, sign in/up/out, and the pages by path.
import * as api from "./api";
import { ApiError } from "./api";
import { field, formValues, h, message, setMessage } from "./dom";
import { buyerPages } from "./buyer";
import { realtorPages } from "./realtor";
import { settingsPages } from "./settings";
import { tourPages } from "./tours";

export type Role = "buyer" | "realtor" | "admin";
export interface Me {
  id: string;
  email: string;
  full_name: string;
  role: Role;
}

export interface Page {
  pattern: RegExp;
  title: string;
  public?: boolean;
  roles?: Role[];
  render: (main: HTMLElement, params: string[], query: URLSearchParams) => Promise<void> | void;
}

let me: Me | null = null;
const main = () => document.getElementById("main") as HTMLElement;

export function currentUser(): Me {
  if (!me) throw new Error("not signed in");
  return me;
}

export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  void route();
}

/** Links inside the app navigate without a reload. */
export function link(path: string, text: string, props: Record<string, unknown> = {}): HTMLAnchorElement {
  return h("a", {
    href: path,
    ...props,
    onClick: (event: MouseEvent) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(path);
    },
  }, text);
}

/** The API's own words for a failure, for a page or a form. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) return error.message || `The server answered ${error.status}.`;
  if (error instanceof TypeError) return "The server could not be reached. Check your connection and try again.";
  return error instanceof Error ? error.message : String(error);
}

export function loading(target: HTMLElement, what = "Loading…"): void {
  target.replaceChildren(h("p", { class: "loading", role: "status", "aria-busy": "true" }, what));
}

// ---------------------------------------------------------------- drafts kept across a sign-in

const DRAFTS_KEY = "rfy.drafts";

function saveDrafts(): void {
  const forms: Record<string, Record<string, string>> = {};
  main()
    .querySelectorAll<HTMLFormElement>("form[id]")
    .forEach((form) => {
      forms[form.id] = formValues(form);
    });
  if (Object.keys(forms).length) {
    sessionStorage.setItem(DRAFTS_KEY, JSON.stringify({ path: location.pathname + location.search, forms }));
  }
}

function restoreDrafts(): void {
  const stored = sessionStorage.getItem(DRAFTS_KEY);
  if (!stored) return;
  const drafts = JSON.parse(stored) as { path: string; forms: Record<string, Record<string, string>> };
  if (drafts.path !== location.pathname + location.search) return;
  sessionStorage.removeItem(DRAFTS_KEY);
  for (const [id, values] of Object.entries(drafts.forms)) {
    const form = document.getElementById(id);
    if (!(form instanceof HTMLFormElement)) continue;
    for (const [name, value] of Object.entries(values)) {
      const input = form.elements.namedItem(name);
      if (input instanceof HTMLInputElement && input.type !== "file" && input.type !== "password") input.value = value;
      else if (input instanceof HTMLTextAreaElement || input instanceof HTMLSelectElement) input.value = value;
    }
  }
}

// ---------------------------------------------------------------- auth pages

async function loadMe(): Promise<void> {
  const profile = await api.request<Omit<Me, "id">>("GET", "/auth/me");
  me = { id: profile.id, ...profile.attributes };
}

function homeOf(role: Role): string {
  return role === "realtor" ? "/manage" : "/listings";
}

function signInPage(target: HTMLElement, _params: string[], query: URLSearchParams): void {
  const status = h("div", { "aria-live": "polite" });
  if (query.get("reason")) status.append(message(query.get("reason") ?? "", "error"));
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true, value: query.get("email") ?? "" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h(
    "form",
    {
      id: "signin-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        setMessage(status, "Signing in…");
        try {
          await api.signIn(email.value.trim(), password.value);
          await loadMe();
          const next = query.get("next");
          navigate(next && next.startsWith("/") ? next : homeOf(currentUser().role), true);
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("Email", email),
    field("Password", password),
    h("button", { type: "submit" }, "Sign in"),
  );
  target.replaceChildren(
    h("h1", { tabIndex: -1 }, "Sign in"),
    status,
    form,
    h("p", null, "New here? ", link("/signup", "Create an account"), " · ", link("/reset", "Forgot your password?")),
  );
}

function signUpPage(target: HTMLElement): void {
  const status = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    {
      id: "signup-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const values = formValues(form);
        setMessage(status, "Creating your account…");
        try {
          await api.request("POST", "/auth/register", values, { auth: false });
          navigate(`/confirm?email=${encodeURIComponent(values.email)}`);
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("Full name", h("input", { name: "full_name", autocomplete: "name", required: true })),
    field("Email", h("input", { name: "email", type: "email", autocomplete: "email", required: true })),
    field(
      "Password",
      h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minLength: 8 }),
      "At least 8 characters with upper and lower case letters, a digit and a symbol.",
    ),
    h(
      "fieldset",
      null,
      h("legend", null, "I am"),
      h("label", null, h("input", { type: "radio", name: "role", value: "buyer", checked: true }), " a buyer"),
      h("label", null, h("input", { type: "radio", name: "role", value: "realtor" }), " a realtor"),
    ),
    h("button", { type: "submit" }, "Create account"),
  );
  target.replaceChildren(h("h1", { tabIndex: -1 }, "Create an account"), status, form, h("p", null, "Already registered? ", link("/signin", "Sign in")));
}

function confirmPage(target: HTMLElement, _params: string[], query: URLSearchParams): void {
  const status = h("div", { "aria-live": "polite" });
  const email = h("input", { name: "email", type: "email", required: true, value: query.get("email") ?? "" });
  const code = h("input", { name: "code", inputMode: "numeric", autocomplete: "one-time-code", required: true });
  const form = h(
    "form",
    {
      id: "confirm-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await api.request("POST", "/auth/confirm", { email: email.value.trim(), code: code.value.trim() }, { auth: false });
          navigate(`/signin?email=${encodeURIComponent(email.value.trim())}`);
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("Email", email),
    field("Confirmation code", code, "The code we emailed you."),
    h("button", { type: "submit" }, "Confirm"),
  );
  target.replaceChildren(h("h1", { tabIndex: -1 }, "Confirm your email"), status, form);
}

function resetPage(target: HTMLElement): void {
  const status = h("div", { "aria-live": "polite" });
  const email = h("input", { name: "email", type: "email", required: true });
  const code = h("input", { name: "code", autocomplete: "one-time-code" });
  const password = h("input", { name: "new_password", type: "password", autocomplete: "new-password" });
  const step2 = h("div", { hidden: true }, field("Code", code), field("New password", password), h("button", { type: "submit" }, "Set the new password"));
  const ask = h("button", { type: "submit" }, "Email me a code");
  const form = h(
    "form",
    {
      id: "reset-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        try {
          if (step2.hidden) {
            await api.request("POST", "/auth/password-reset/request", { email: email.value.trim() }, { auth: false });
            step2.hidden = false;
            ask.hidden = true;
            setMessage(status, "If that address has an account, a code is on its way.");
            code.focus();
          } else {
            await api.request(
              "POST",
              "/auth/password-reset/confirm",
              { email: email.value.trim(), code: code.value.trim(), new_password: password.value },
              { auth: false },
            );
            navigate(`/signin?email=${encodeURIComponent(email.value.trim())}`);
          }
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("Email", email),
    ask,
    step2,
  );
  target.replaceChildren(h("h1", { tabIndex: -1 }, "Reset your password"), status, form);
}

// ---------------------------------------------------------------- router

const pages: Page[] = [
  { pattern: /^\/signin$/, title: "Sign in", public: true, render: signInPage },
  { pattern: /^\/signup$/, title: "Create an account", public: true, render: signUpPage },
  { pattern: /^\/confirm$/, title: "Confirm your email", public: true, render: confirmPage },
  { pattern: /^\/reset$/, title: "Reset your password", public: true, render: resetPage },
  ...buyerPages,
  ...realtorPages,
  ...tourPages,
  ...settingsPages,
];

function header(): HTMLElement {
  const nav = h("ul");
  if (me) {
    const items: [string, string][] =
      me.role === "realtor"
        ? [["/manage", "My listings"], ["/requests", "Requests"], ["/availability", "Availability"], ["/tours", "Tours"], ["/billing", "Billing"], ["/settings", "Settings"]]
        : [["/listings", "Listings"], ["/bookings", "My bookings"], ["/tours", "My tours"], ["/settings", "Settings"]];
    for (const [path, text] of items) {
      const current = location.pathname === path || location.pathname.startsWith(`${path}/`);
      nav.append(h("li", null, link(path, text, current ? { "aria-current": "page" } : {})));
    }
    nav.append(
      h(
        "li",
        null,
        h("button", {
          type: "button",
          class: "link",
          onClick: async () => {
            await api.signOut();
            me = null;
            navigate("/signin");
          },
        }, `Sign out (${me.email})`),
      ),
    );
  } else {
    nav.append(h("li", null, link("/signin", "Sign in")), h("li", null, link("/signup", "Create an account")));
  }
  return h("div", { class: "bar" }, link(me ? homeOf(me.role) : "/signin", "RealtyForYou", { class: "brand" }), h("nav", { "aria-label": "Main" }, nav));
}

let routing = 0;
let navigated = false;
export async function route(): Promise<void> {
  const ticket = ++routing;
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  const target = main();
  if (api.signedIn() && !me) {
    try {
      await loadMe();
    } catch {
      // The 401 handler already sent the person to sign in.
      return;
    }
  }
  if (path === "/" || path === "/index.html") {
    navigate(me ? homeOf(me.role) : "/signin", true);
    return;
  }
  const page = pages.find((candidate) => candidate.pattern.test(path));
  document.getElementById("header")?.replaceChildren(header());
  if (!page) {
    document.title = "Not found · RealtyForYou";
    target.replaceChildren(h("h1", { tabIndex: -1 }, "Page not found"), h("p", null, link("/", "Go to the start page")));
    target.querySelector("h1")?.focus();
    return;
  }
  if (!page.public && !me) {
    navigate(`/signin?next=${encodeURIComponent(path + location.search)}`, true);
    return;
  }
  if (page.roles && me && !page.roles.includes(me.role)) {
    navigate(homeOf(me.role), true);
    return;
  }
  document.title = `${page.title} · RealtyForYou`;
  const params = page.pattern.exec(path)?.slice(1) ?? [];
  target.setAttribute("aria-busy", "true");
  try {
    await page.render(target, params, query);
  } catch (error) {
    if (ticket === routing) target.replaceChildren(h("h1", { tabIndex: -1 }, page.title), message(explain(error), "error"));
  } finally {
    target.removeAttribute("aria-busy");
  }
  if (ticket !== routing) return;
  restoreDrafts();
  // After a navigation, focus moves to the new page's heading so keyboard and screen-reader users
  // start there; a fresh load leaves focus at the top (the skip link comes first).
  if (navigated) target.querySelector<HTMLElement>("h1")?.focus();
  navigated = true;
  target.dataset.page = path;
}

async function start(): Promise<void> {
  await api.loadConfig();
  api.whenSignedOut((reason) => {
    saveDrafts();
    me = null;
    const next = location.pathname + location.search;
    if (location.pathname !== "/signin") {
      navigate(`/signin?next=${encodeURIComponent(next)}&reason=${encodeURIComponent(`Your session ended: ${reason} Sign in to continue.`)}`, true);
    }
  });
  api.restoreSession();
  window.addEventListener("popstate", () => void route());
  await route();
  document.body.dataset.ready = "true";
}

void start().catch((error: unknown) => {
  main().replaceChildren(h("h1", null, "RealtyForYou could not start"), message(explain(error), "error"));
});
