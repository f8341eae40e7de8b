// Scheduling in the app: free slots grouped by day in the listing's own time zone, time proposals
// (the realtor proposes, the buyer accepts or declines), and field errors shown beside their fields.
import * as api from "./api";
import { ApiError } from "./api";
import { explain } from "./app";
import { field, fromLocalInput, h, setMessage, toLocalInput } from "./dom";

export interface FreeSlot {
  start: string; // UTC
  end: string;
  local_start: string; // the listing's local time with its offset, e.g. 2026-12-07T10:15:00-05:00
  local_end: string;
}

export interface FreeSlots {
  time_zone: string;
  duration_minutes: number;
  window_start: string;
  window_end: string;
  slots: FreeSlot[];
}

export interface Proposal {
  id: string;
  proposed_by: string;
  scheduled_at: string;
  duration_minutes: number;
  message: string | null;
  status: "open" | "accepted" | "declined" | "superseded";
  created_at: string;
  answered_at: string | null;
}

/** An instant in a given zone (the listing's), with the zone's short name so nobody guesses. */
export function whenIn(iso: string, timeZone: string | null | undefined): string {
  try {
    return new Date(iso).toLocaleString(undefined, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: timeZone || "UTC",
      timeZoneName: "short",
    } as Intl.DateTimeFormatOptions);
  } catch {
    return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }
}

/** The day heading of a local date (YYYY-MM-DD): read as a calendar date, never shifted by a zone. */
export function dayLabel(localDate: string): string {
  return new Date(`${localDate}T12:00:00Z`).toLocaleDateString(undefined, { weekday: "long", month: "long", day: "numeric", timeZone: "UTC" });
}

/** Slots grouped by the listing's local day, in order. The local strings carry the wall clock. */
export function byDay(slots: FreeSlot[]): [string, FreeSlot[]][] {
  const days = new Map<string, FreeSlot[]>();
  for (const slot of slots) {
    const day = slot.local_start.slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), slot]);
  }
  return [...days.entries()];
}

export function localClock(slot: FreeSlot): string {
  return slot.local_start.slice(11, 16);
}

/**
 * Buttons for slots, one group per day; `pick` is called with the slot chosen. Each button names its
 * day and time for a screen reader, since the day heading alone is not read with the button.
 */
export function slotPicker(slots: FreeSlot[], timeZone: string, pick: (slot: FreeSlot) => void): HTMLElement {
  return h(
    "div",
    { class: "slot-days" },
    // One folded group per day (open days show a whole day of quarter hours): the first day open.
    ...byDay(slots).map(([day, items], index) => {
      return h(
        "details",
        { class: "slot-day", open: index === 0 },
        h("summary", null, h("h3", null, dayLabel(day)), ` ${items.length} free ${items.length === 1 ? "time" : "times"}`),
        h(
          "ul",
          { class: "slots" },
          ...items.map((slot) =>
            h(
              "li",
              null,
              h("button", {
                type: "button",
                class: "slot",
                "data-start": slot.start,
                "aria-label": `${dayLabel(day)} at ${localClock(slot)} (${timeZone})`,
                onClick: () => pick(slot),
              }, localClock(slot)),
            ),
          ),
        ),
      );
    }),
  );
}

/** The next slots a SLOT_UNAVAILABLE refusal offers, if the error is one. */
export function refusedSlots(error: unknown): { reason: string; timeZone: string; slots: FreeSlot[] } | null {
  if (!(error instanceof ApiError) || error.code !== "SLOT_UNAVAILABLE") return null;
  const details = error.errors[0]?.details ?? {};
  return {
    reason: typeof details.reason === "string" ? details.reason : "",
    timeZone: typeof details.time_zone === "string" ? details.time_zone : "UTC",
    slots: Array.isArray(details.next_slots) ? (details.next_slots as FreeSlot[]) : [],
  };
}

/** A proposal's history line: what was proposed, when, and what became of it. */
export function proposalLine(proposal: Proposal, timeZone: string | null | undefined): string {
  const text = `${whenIn(proposal.scheduled_at, timeZone)} · ${proposal.duration_minutes} minutes · ${proposal.status}`;
  return proposal.message ? `${text} · “${proposal.message}”` : text;
}

export function proposalHistory(proposals: Proposal[] | undefined, timeZone: string | null | undefined): HTMLElement | null {
  if (!proposals?.length) return null;
  const details = h("details", { class: "history" }, h("summary", null, `Proposed times (${proposals.length})`));
  details.append(h("ol", null, ...proposals.map((proposal) => h("li", { "data-proposal-status": proposal.status }, proposalLine(proposal, timeZone)))));
  return details;
}

/** The realtor's control: propose a new time (browser-local input) with an optional message. */
export function proposeControl(bookingId: string, current: { scheduled_at: string; duration_minutes: number }, done: () => void, status: HTMLElement): HTMLElement {
  const details = h("details", { class: "propose" }, h("summary", null, "Propose a new time"));
  const start = h("input", { name: "scheduled_at", type: "datetime-local", required: true, step: 900, value: toLocalInput(new Date(current.scheduled_at)) });
  const length = h("select", { name: "duration_minutes" }, ...[15, 30, 45, 60, 90, 120].map((minutes) => h("option", { value: minutes, selected: minutes === current.duration_minutes }, `${minutes} minutes`)));
  const note = h("input", { name: "message", maxLength: 500 });
  details.append(
    h(
      "form",
      {
        onSubmit: async (event: Event) => {
          event.preventDefault();
          try {
            await api.request("POST", `/realtors/bookings/${bookingId}/proposals`, {
              scheduled_at: fromLocalInput(start.value),
              duration_minutes: Number(length.value),
              message: note.value || null,
            });
            setMessage(status, "Proposed: the buyer can accept or decline the new time.");
            done();
          } catch (error) {
            setMessage(status, explain(error), "error");
          }
        },
      },
      field("Proposed date and time", start, "Your local time; on the hour or at :15, :30, :45."),
      field("Length", length),
      field("Message for the buyer (optional)", note),
      h("button", { type: "submit" }, "Send the proposal"),
    ),
  );
  return details;
}

/**
 * Shows a 422's field errors beside the fields: each error goes to the element whose `data-field`
 * is the error's field or its nearest parent (hours.monday.0.end → hours.monday.0 → hours.monday),
 * and the rest to the form's status.
 */
export function showFieldErrors(form: HTMLElement, error: unknown, status: HTMLElement): void {
  clearFieldErrors(form);
  const unplaced: string[] = [];
  const errors = error instanceof ApiError ? error.errors : [];
  for (const item of errors) {
    let path = item.field ?? "";
    let target: Element | null = null;
    while (path && !target) {
      target = form.querySelector(`[data-field="${CSS.escape(path)}"]`);
      path = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    }
    if (!target) {
      unplaced.push(item.message);
      continue;
    }
    const id = `err-${Math.random().toString(36).slice(2)}`;
    target.append(h("p", { class: "field-error", id, role: "alert" }, item.message));
    const input = target.querySelector("input, select, textarea");
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") ?? ""} ${id}`.trim());
    }
  }
  setMessage(status, unplaced.length || !errors.length ? (unplaced.join(" ") || explain(error)) : "Please correct the fields marked below.", "error");
}

export function clearFieldErrors(form: HTMLElement): void {
  for (const old of form.querySelectorAll(".field-error")) old.remove();
  for (const old of form.querySelectorAll("[aria-invalid]")) old.removeAttribute("aria-invalid");
}
