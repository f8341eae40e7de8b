// The realtor's availability editor (weekly hours, zone, buffer, lead time, horizon, tour lengths,
// blocks) and everyone's settings (calendar feed URL, notification preferences with quiet hours).
import * as api from "./api";
import type { Page } from "./app";
import { currentUser, explain, loading } from "./app";
import { field, fromLocalInput, h, message, setMessage } from "./dom";
import { clearFieldErrors, showFieldErrors, whenIn } from "./schedule";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const LENGTHS = [15, 30, 45, 60, 90, 120];

interface TimeRange {
  start: string;
  end: string;
}

interface Availability {
  time_zone: string;
  hours: Record<(typeof DAYS)[number], TimeRange[]>;
  buffer_minutes: number;
  min_lead_minutes: number;
  horizon_days: number;
  tour_lengths: number[] | null;
  pending_blocks_slots: boolean;
  request_expiry_hours: number | null;
  configured: boolean;
}

interface Block {
  kind: "block" | "opening";
  starts_at: string;
  ends_at: string;
  reason: string;
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A wrapper the 422 errors find by the API's field name (see showFieldErrors). */
function at(name: string, ...children: HTMLElement[]): HTMLElement {
  return h("div", { "data-field": name }, ...children);
}

function zoneInput(name: string, value: string): HTMLInputElement {
  const input = h("input", { name, value, required: true, autocomplete: "off", spellcheck: false });
  input.setAttribute("list", "time-zones"); // (the `list` property is read-only: an attribute)
  return input;
}

/** The zones the browser knows, offered as suggestions (the API checks the name itself). */
function zoneList(): HTMLElement {
  const zones = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
  return h("datalist", { id: "time-zones" }, ...zones.map((zone) => h("option", { value: zone })));
}

function rangeRow(day: string, index: number, range: TimeRange, remove: () => void): HTMLElement {
  const label = `${capital(day)} range ${index + 1}`;
  const start = h("input", { type: "time", step: 900, required: true, value: range.start === "24:00" ? "23:59" : range.start, class: "range-start", "aria-label": `${label} from` });
  const end = h("input", { type: "time", step: 900, required: true, value: range.end === "24:00" ? "00:00" : range.end, class: "range-end", "aria-label": `${label} until` });
  return h(
    "li",
    { "data-field": `hours.${day}.${index}` },
    h("span", { class: "range" }, start, " – ", end),
    h("button", { type: "button", class: "secondary", onClick: remove }, `Remove ${label}`),
  );
}

/** The time inputs say 00:00 for midnight; an end at midnight is the end of the day (24:00). */
function readRange(row: Element): TimeRange {
  const start = (row.querySelector(".range-start") as HTMLInputElement).value;
  const end = (row.querySelector(".range-end") as HTMLInputElement).value;
  return { start, end: end === "00:00" ? "24:00" : end };
}

async function availabilityPage(main: HTMLElement): Promise<void> {
  loading(main);
  const rules = (await api.request<Availability>("GET", "/realtors/availability")).attributes;
  const status = h("div", { "aria-live": "polite" });
  const days = new Map<string, TimeRange[]>(DAYS.map((day) => [day, [...(rules.hours[day] ?? [])]]));
  const dayBlocks = h("div", { class: "week" });
  // Typed values live in the inputs until a day's rows are rebuilt: read them back first.
  const capture = () => {
    for (const day of DAYS) {
      const block = dayBlocks.querySelector(`[data-day="${day}"]`);
      if (block) days.set(day, [...block.querySelectorAll("li")].map(readRange));
    }
  };
  const change = (day: string, edit: (ranges: TimeRange[]) => TimeRange[]) => {
    capture();
    days.set(day, edit(days.get(day) ?? []));
    renderDays();
  };
  const renderDays = () => {
    dayBlocks.replaceChildren(
      ...DAYS.map((day) => {
        const ranges = days.get(day) ?? [];
        return h(
          "fieldset",
          { "data-day": day, "data-field": `hours.${day}` },
          h("legend", null, capital(day)),
          ranges.length
            ? h("ul", { class: "ranges" }, ...ranges.map((range, index) => rangeRow(day, index, range, () => change(day, (all) => all.filter((_, other) => other !== index)))))
            : h("p", { class: "closed" }, "Closed"),
          h("button", { type: "button", class: "secondary", onClick: () => change(day, (all) => [...all, { start: "09:00", end: "17:00" }]) }, `Add hours on ${capital(day)}`),
        );
      }),
    );
  };
  renderDays();
  const zone = zoneInput("time_zone", rules.time_zone);
  const buffer = h("input", { name: "buffer_minutes", type: "number", min: 0, max: 240, step: 5, value: rules.buffer_minutes });
  const lead = h("input", { name: "min_lead_minutes", type: "number", min: 0, max: 20160, value: rules.min_lead_minutes });
  const horizon = h("input", { name: "horizon_days", type: "number", min: 1, value: rules.horizon_days });
  const lengths = h(
    "fieldset",
    { "data-field": "tour_lengths" },
    h("legend", null, "Tour lengths offered (none ticked: any from 15 to 120 minutes)"),
    ...LENGTHS.map((minutes) =>
      h("label", null, h("input", { type: "checkbox", name: "tour_lengths", value: minutes, checked: rules.tour_lengths?.includes(minutes) ?? false }), ` ${minutes} minutes`),
    ),
  );
  const form = h(
    "form",
    {
      id: "availability-form",
      noValidate: true,
      onSubmit: async (event: Event) => {
        event.preventDefault();
        capture();
        const ticked = [...lengths.querySelectorAll<HTMLInputElement>("input:checked")].map((box) => Number(box.value));
        setMessage(status, "Saving…");
        try {
          await api.request("PUT", "/realtors/availability", {
            time_zone: zone.value.trim(),
            hours: Object.fromEntries(DAYS.map((day) => [day, days.get(day) ?? []])),
            buffer_minutes: Number(buffer.value),
            min_lead_minutes: Number(lead.value),
            horizon_days: Number(horizon.value),
            tour_lengths: ticked.length ? ticked : null,
            pending_blocks_slots: rules.pending_blocks_slots,
            request_expiry_hours: rules.request_expiry_hours,
          });
          clearFieldErrors(form);
          setMessage(status, "Availability saved.");
        } catch (error) {
          showFieldErrors(form, error, status);
        }
      },
    },
    zoneList(),
    at("time_zone", field("Time zone", zone, "Your hours are read in this zone, e.g. America/New_York.")),
    h("h2", null, "Weekly hours"),
    dayBlocks,
    h(
      "div",
      { class: "grid" },
      at("buffer_minutes", field("Buffer between tours (minutes)", buffer)),
      at("min_lead_minutes", field("Earliest notice (minutes)", lead)),
      at("horizon_days", field("Bookable ahead (days)", horizon)),
    ),
    lengths,
    h("button", { type: "submit" }, "Save availability"),
  );
  main.replaceChildren(
    h("h1", { tabIndex: -1 }, "Availability"),
    h("p", null, rules.configured ? "Buyers see free times from these rules." : "You have not saved rules yet: buyers see these defaults."),
    status,
    form,
    await blocksSection(),
  );
}

async function blocksSection(): Promise<HTMLElement> {
  const status = h("div", { "aria-live": "polite" });
  const list = h("div");
  const refresh = async () => {
    const page = await api.list<Block>("/realtors/availability/blocks", { limit: 100 });
    list.replaceChildren(
      page.items.length
        ? h(
            "ul",
            { class: "blocks" },
            ...page.items.map((item) =>
              h(
                "li",
                { "data-block": item.id },
                h("strong", null, item.attributes.kind === "block" ? "Closed" : "Extra opening"),
                ` ${whenIn(item.attributes.starts_at, undefined)} – ${whenIn(item.attributes.ends_at, undefined)} · ${item.attributes.reason} `,
                h("button", {
                  type: "button",
                  class: "secondary",
                  onClick: async () => {
                    try {
                      await api.request("DELETE", `/realtors/availability/blocks/${item.id}`);
                      setMessage(status, "Removed.");
                      await refresh();
                    } catch (error) {
                      setMessage(status, explain(error), "error");
                    }
                  },
                }, "Remove"),
              ),
            ),
          )
        : message("No blocks or extra openings ahead."),
    );
  };
  const kind = h("select", { name: "kind" }, h("option", { value: "block" }, "Closed (block time)"), h("option", { value: "opening" }, "Extra opening"));
  const starts = h("input", { name: "starts_at", type: "datetime-local", required: true, step: 900 });
  const ends = h("input", { name: "ends_at", type: "datetime-local", required: true, step: 900 });
  const reason = h("input", { name: "reason", required: true, maxLength: 200 });
  const form: HTMLFormElement = h(
    "form",
    {
      id: "block-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await api.request("POST", "/realtors/availability/blocks", {
            kind: kind.value,
            starts_at: fromLocalInput(starts.value),
            ends_at: fromLocalInput(ends.value),
            reason: reason.value,
          });
          clearFieldErrors(form);
          setMessage(status, "Added.");
          form.reset();
          await refresh();
        } catch (error) {
          showFieldErrors(form, error, status);
        }
      },
    },
    h(
      "div",
      { class: "grid" },
      at("kind", field("Kind", kind)),
      at("starts_at", field("From (your local time)", starts)),
      at("ends_at", field("Until", ends)),
      at("reason", field("Reason", reason)),
    ),
    h("button", { type: "submit" }, "Add"),
  );
  loading(list);
  await refresh();
  return h("section", { "aria-labelledby": "blocks-title" }, h("h2", { id: "blocks-title" }, "Blocks and extra openings"), status, list, form);
}

interface Feed {
  url: string | null;
  active: boolean;
  created_at: string | null;
}

interface Preferences {
  email: Record<string, boolean>;
  quiet_hours: { start: string; end: string; time_zone: string } | null;
}

const EMAILS: [string, string][] = [
  ["booking_requested", "A tour is requested"],
  ["booking_confirmed", "A tour is confirmed"],
  ["booking_rescheduled", "A tour is moved"],
  ["booking_declined", "A request is declined"],
  ["booking_cancelled", "A tour is cancelled"],
  ["time_proposed", "A new time is proposed"],
  ["proposal_declined", "A proposed time is declined"],
  ["reminder", "Reminder before a tour"],
  ["tour_ended", "A tour has ended"],
  ["tour_summary", "A tour's summary is ready"],
  ["follow_up", "A realtor's follow-up after a tour"],
];

function feedSection(base: string): HTMLElement {
  const status = h("div", { "aria-live": "polite" });
  const url = h("input", { name: "feed_url", readOnly: true, value: "", class: "feed-url" });
  const shown = h("div", { hidden: true }, field("Your calendar feed URL", url, "Add it to your calendar app as a subscription. Keep it private: anyone with it sees your tours."));
  const copy = h("button", {
    type: "button",
    class: "secondary",
    onClick: async () => {
      try {
        await navigator.clipboard.writeText(url.value);
        setMessage(status, "Copied.");
      } catch {
        url.select();
        setMessage(status, "Select the URL and copy it.");
      }
    },
  }, "Copy the URL");
  shown.append(copy);
  const rotate = h("button", {
    type: "button",
    onClick: async () => {
      try {
        const feed = (await api.request<Feed>("POST", `${base}/calendar-feed`)).attributes;
        url.value = feed.url ?? "";
        shown.hidden = false;
        setMessage(status, "A new feed URL: any earlier one stopped working.");
      } catch (error) {
        setMessage(status, explain(error), "error");
      }
    },
  }, "Create a new feed URL");
  const revoke = h("button", {
    type: "button",
    class: "danger",
    onClick: async () => {
      try {
        await api.request("DELETE", `${base}/calendar-feed`);
        url.value = "";
        shown.hidden = true;
        setMessage(status, "Feed URL revoked: calendars using it stop updating.");
      } catch (error) {
        setMessage(status, explain(error), "error");
      }
    },
  }, "Revoke the feed URL");
  return h(
    "section",
    { "aria-labelledby": "feed-title" },
    h("h2", { id: "feed-title" }, "Calendar feed"),
    h("p", null, "Your confirmed tours in any calendar app. The URL is shown once, when it is made; a new one replaces the old."),
    status,
    shown,
    h("div", { class: "actions" }, rotate, revoke),
  );
}

async function preferencesSection(base: string): Promise<HTMLElement> {
  const status = h("div", { "aria-live": "polite" });
  const prefs = (await api.request<Preferences>("GET", `${base}/notification-preferences`)).attributes;
  const boxes = EMAILS.map(([name, text]) => h("label", null, h("input", { type: "checkbox", name, checked: prefs.email[name] ?? true }), ` ${text}`));
  const quiet = h("input", { type: "checkbox", name: "quiet", checked: prefs.quiet_hours !== null });
  const quietStart = h("input", { name: "quiet_start", type: "time", step: 900, value: prefs.quiet_hours?.start ?? "22:00" });
  const quietEnd = h("input", { name: "quiet_end", type: "time", step: 900, value: prefs.quiet_hours?.end ?? "07:00" });
  const quietZone = zoneInput("quiet_zone", prefs.quiet_hours?.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC");
  const form: HTMLFormElement = h(
    "form",
    {
      id: "preferences-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await api.request("PUT", `${base}/notification-preferences`, {
            email: Object.fromEntries(boxes.map((label) => {
              const box = label.querySelector("input") as HTMLInputElement;
              return [box.name, box.checked];
            })),
            quiet_hours: quiet.checked ? { start: quietStart.value, end: quietEnd.value === "00:00" ? "24:00" : quietEnd.value, time_zone: quietZone.value.trim() } : null,
          });
          clearFieldErrors(form);
          setMessage(status, "Preferences saved.");
        } catch (error) {
          showFieldErrors(form, error, status);
        }
      },
    },
    h("fieldset", { "data-field": "email" }, h("legend", null, "Email me when"), ...boxes),
    h(
      "fieldset",
      { "data-field": "quiet_hours" },
      h("legend", null, "Quiet hours"),
      h("label", null, quiet, " Hold non-urgent email during quiet hours"),
      h(
        "div",
        { class: "grid" },
        at("quiet_hours.start", field("From", quietStart)),
        at("quiet_hours.end", field("Until", quietEnd)),
        at("quiet_hours.time_zone", field("Time zone", quietZone)),
      ),
    ),
    h("button", { type: "submit" }, "Save preferences"),
  );
  return h("section", { "aria-labelledby": "prefs-title" }, h("h2", { id: "prefs-title" }, "Notifications"), status, zoneList(), form);
}

async function settingsPage(main: HTMLElement): Promise<void> {
  loading(main);
  const base = currentUser().role === "realtor" ? "/realtors" : "/buyers";
  main.replaceChildren(h("h1", { tabIndex: -1 }, "Settings"), feedSection(base), await preferencesSection(base));
}

export const settingsPages: Page[] = [
  { pattern: /^\/availability$/, title: "Availability", roles: ["realtor"], render: availabilityPage },
  { pattern: /^\/settings$/, title: "Settings", roles: ["realtor", "buyer"], render: settingsPage },
];
