// Buyer pages: browse and filter listings, a listing with the booking form, my bookings.
import * as api from "./api";
import type { Page } from "./app";
import { explain, link, loading, navigate } from "./app";
import { field, formValues, fromLocalInput, h, message, money, setMessage, toLocalInput, when } from "./dom";
import { type FreeSlots, type Proposal, localClock, proposalHistory, refusedSlots, slotPicker, whenIn } from "./schedule";

export interface Image {
  id: string;
  status: string;
  url: string | null;
  thumbnail_url: string | null;
}

export interface Property {
  address: string;
  city: string;
  mls_id: string | null;
  description: string;
  price: number;
  bedrooms: number;
  bathrooms: number;
  sqft: number;
  status: string;
  images: Image[];
}

export interface Booking {
  status: string;
  scheduled_at: string;
  ends_at: string;
  duration_minutes: number;
  notes: string | null;
  decline_reason: string | null;
  time_zone?: string | null;
  proposals?: Proposal[];
  property: { id: string; address: string; city: string };
}

export function photo(property: Property, large = false): HTMLElement {
  const image = property.images.find((item) => item.url || item.thumbnail_url);
  const src = image ? (large ? image.url ?? image.thumbnail_url : image.thumbnail_url ?? image.url) : null;
  return src
    ? h("img", { src, alt: `Photo of ${property.address}`, loading: "lazy", class: large ? "hero" : "thumb" })
    : h("div", { class: large ? "hero placeholder" : "thumb placeholder", role: "img", "aria-label": "No photo yet" }, "No photo yet");
}

export function facts(property: Property): string {
  return `${property.bedrooms} bd · ${property.bathrooms} ba · ${property.sqft.toLocaleString()} sq ft`;
}

/** Tours start on a quarter hour (the API refuses other minutes). */
export const QUARTER_SECONDS = 900;

/** The first quarter hour at least `leadMinutes` from now, as a datetime-local value. */
export function suggestedStart(leadMinutes = 120): string {
  const date = new Date(Date.now() + leadMinutes * 60_000);
  date.setSeconds(0, 0);
  date.setMinutes(Math.ceil(date.getMinutes() / 15) * 15);
  return toLocalInput(date);
}

async function listingsPage(main: HTMLElement, _params: string[], query: URLSearchParams): Promise<void> {
  const results = h("div", { "aria-live": "polite" });
  const filters = h(
    "form",
    {
      id: "filters",
      class: "filters",
      role: "search",
      onSubmit: (event: Event) => {
        event.preventDefault();
        const params = new URLSearchParams(
          Object.entries(formValues(filters)).filter(([, value]) => value !== ""),
        );
        navigate(`/listings${params.size ? `?${params}` : ""}`);
      },
    },
    field("City", h("input", { name: "city", value: query.get("city") ?? "" })),
    field("Max price", h("input", { name: "max_price", type: "number", min: 0, step: 1000, value: query.get("max_price") ?? "" })),
    field("Bedrooms (at least)", h("input", { name: "bedrooms", type: "number", min: 0, max: 50, value: query.get("bedrooms") ?? "" })),
    h("button", { type: "submit" }, "Search"),
  );
  main.replaceChildren(h("h1", { tabIndex: -1 }, "Homes for sale"), filters, results);
  const show = async (cursor: string | null, append: boolean) => {
    if (!append) loading(results, "Loading listings…");
    try {
      const page = await api.list<Property>("/buyers/properties", {
        city: query.get("city"),
        max_price: query.get("max_price"),
        bedrooms: query.get("bedrooms"),
        cursor,
      });
      const list = append ? results.querySelector("ul.cards") ?? h("ul", { class: "cards" }) : h("ul", { class: "cards" });
      for (const item of page.items) {
        const property = item.attributes;
        list.append(
          h(
            "li",
            { class: "card" },
            photo(property),
            h("h2", null, link(`/listings/${item.id}`, property.address)),
            h("p", null, `${property.city} · ${money(property.price)}`),
            h("p", null, facts(property)),
          ),
        );
      }
      if (!append) {
        results.replaceChildren(page.items.length ? list : message("No listings match these filters."));
      }
      results.querySelector("button.more")?.remove();
      if (page.nextCursor) {
        results.append(h("button", { type: "button", class: "more", onClick: () => void show(page.nextCursor, true) }, "Show more"));
      }
    } catch (error) {
      results.replaceChildren(message(explain(error), "error"));
    }
  };
  await show(null, false);
}

async function listingPage(main: HTMLElement, [id]: string[]): Promise<void> {
  loading(main);
  const item = await api.request<Property>("GET", `/buyers/properties/${id}`);
  const property = item.attributes;
  const status = h("div", { "aria-live": "polite" });
  const length = h("select", { name: "duration_minutes" }, ...[30, 45, 60, 90].map((minutes) => h("option", { value: minutes, selected: minutes === 30 }, `${minutes} minutes`)));
  const notes = h("textarea", { name: "notes", rows: 2, maxLength: 1000 });
  const slotsArea = h("div", { "aria-live": "polite", "aria-busy": "false" });
  const book = async (scheduledAt: string, label: string) => {
    setMessage(status, `Requesting ${label}…`);
    try {
      const booking = await api.request<Booking>("POST", "/buyers/bookings", {
        property_id: id,
        scheduled_at: scheduledAt,
        duration_minutes: Number(length.value),
        notes: notes.value || null,
      });
      setMessage(status, `Requested for ${whenIn(booking.attributes.scheduled_at, booking.attributes.time_zone)}.`);
      navigate("/bookings");
    } catch (error) {
      const refused = refusedSlots(error);
      if (!refused) {
        setMessage(status, explain(error), "error");
        return;
      }
      // The time was taken or is outside the realtor's hours: say why, and offer the next ones.
      status.replaceChildren(
        message([explain(error), refused.reason].filter(Boolean).join(" "), "error"),
        refused.slots.length
          ? h("div", { class: "next-slots" }, h("h3", null, `The next free times (${refused.timeZone})`), slotPicker(refused.slots, refused.timeZone, (slot) => void book(slot.start, `${localClock(slot)} ${refused.timeZone}`)))
          : message("No free time in the next two weeks."),
      );
    }
  };
  let until: string | null = null;
  const showSlots = async (from: string | null, append: boolean) => {
    if (!append) loading(slotsArea, "Loading free times…");
    try {
      const found = (await api.request<FreeSlots>("GET", `/buyers/properties/${id}/slots`, undefined, { query: { duration: length.value, from } })).attributes;
      until = found.window_end;
      const picker = found.slots.length
        ? slotPicker(found.slots, found.time_zone, (slot) => void book(slot.start, `${localClock(slot)} ${found.time_zone}`))
        : message(`No free times until ${whenIn(found.window_end, found.time_zone)}.`);
      const more = h("button", { type: "button", class: "more secondary", onClick: () => void showSlots(until, true) }, "Show the next 7 days");
      if (append) {
        slotsArea.querySelector("button.more")?.remove();
        slotsArea.append(picker, more);
      } else {
        slotsArea.replaceChildren(h("p", { class: "zone" }, `Times are the listing's local time (${found.time_zone}). Pick one to request it.`), picker, more);
      }
    } catch (error) {
      slotsArea.replaceChildren(message(explain(error), "error"));
    }
  };
  length.addEventListener("change", () => void showSlots(null, false));
  // Another time than the free ones: the API still decides, and a refusal offers the next free times.
  const start = h("input", { name: "scheduled_at", type: "datetime-local", required: true, value: suggestedStart(), step: QUARTER_SECONDS });
  const other = h("details", { class: "other-time" }, h("summary", null, "Ask for another time"));
  other.append(
    h(
      "form",
      {
        id: "book-form",
        onSubmit: (event: Event) => {
          event.preventDefault();
          void book(fromLocalInput(start.value), when(fromLocalInput(start.value)));
        },
      },
      field("Date and time", start, "Your local time; tours start on the hour or at :15, :30, :45."),
      h("button", { type: "submit" }, "Request a tour"),
    ),
  );
  const gallery = h("div", { class: "gallery" }, ...property.images.filter((image) => image.url).map((image) => h("img", { src: image.url, alt: `Photo of ${property.address}`, loading: "lazy" })));
  main.replaceChildren(
    h("p", null, link("/listings", "← All listings")),
    h("h1", { tabIndex: -1 }, property.address),
    photo(property, true),
    gallery,
    h("p", { class: "lead" }, `${property.city} · ${money(property.price)} · ${facts(property)}`),
    property.description && h("p", null, property.description),
    h(
      "section",
      { "aria-labelledby": "book-title" },
      h("h2", { id: "book-title" }, "Book a tour"),
      status,
      // A form (with an id) so what was typed is kept across a sign-in, like every draft.
      h("form", { id: "book-details", class: "grid", onSubmit: (event: Event) => event.preventDefault() }, field("Length", length), field("Notes for the realtor", notes)),
      h("h3", null, "Free times"),
      slotsArea,
      other,
    ),
  );
  await showSlots(null, false);
}

export function bookingRow(
  item: api.Resource<Booking>,
  actions: HTMLElement[],
): HTMLElement {
  const booking = item.attributes;
  return h(
    "li",
    { class: "card", "data-booking": item.id, "data-status": booking.status },
    h("h2", null, booking.property.address),
    h("p", null, `${whenIn(booking.scheduled_at, booking.time_zone)} · ${booking.duration_minutes} minutes · `, h("strong", { class: `badge ${booking.status}` }, booking.status)),
    booking.notes && h("p", null, `Notes: ${booking.notes}`),
    booking.decline_reason && h("p", null, `Reason: ${booking.decline_reason}`),
    h("div", { class: "actions" }, ...actions),
    proposalHistory(booking.proposals, booking.time_zone),
  );
}

/** Reschedule inline: a datetime-local field and a save button under the booking. */
export function rescheduleControl(path: string, booking: Booking, done: () => void, status: HTMLElement): HTMLElement {
  const details = h("details", null, h("summary", null, "Reschedule"));
  const input = h("input", { name: "scheduled_at", type: "datetime-local", required: true, step: QUARTER_SECONDS, value: toLocalInput(new Date(booking.scheduled_at)) });
  const form = h(
    "form",
    {
      onSubmit: async (event: Event) => {
        event.preventDefault();
        try {
          await api.request("PUT", path, { scheduled_at: fromLocalInput(input.value) });
          setMessage(status, "Rescheduled.");
          done();
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("New date and time", input),
    h("button", { type: "submit" }, "Save the new time"),
  );
  details.append(form);
  return details;
}

async function bookingsPage(main: HTMLElement): Promise<void> {
  const status = h("div", { "aria-live": "polite" });
  const list = h("div");
  main.replaceChildren(h("h1", { tabIndex: -1 }, "My bookings"), status, list);
  const refresh = async () => {
    loading(list, "Loading your bookings…");
    try {
      const page = await api.list<Booking>("/buyers/bookings", { limit: 50 });
      if (!page.items.length) {
        list.replaceChildren(message("No bookings yet."), h("p", null, link("/listings", "Browse listings to book a tour")));
        return;
      }
      list.replaceChildren(
        h(
          "ul",
          { class: "cards" },
          ...page.items.map((item) => {
            const open = ["pending", "confirmed"].includes(item.attributes.status);
            const actions: HTMLElement[] = [];
            const proposal = item.attributes.proposals?.find((candidate) => candidate.status === "open");
            if (open && proposal) {
              // The realtor proposed a new time: the buyer answers it first, in the listing's zone.
              const answer = (verb: "accept" | "decline", done: string) =>
                h("button", {
                  type: "button",
                  class: verb === "decline" ? "secondary" : undefined,
                  onClick: async () => {
                    try {
                      await api.request("PUT", `/buyers/bookings/${item.id}/proposals/${proposal.id}/${verb}`);
                      setMessage(status, done);
                      await refresh();
                    } catch (error) {
                      setMessage(status, explain(error), "error");
                    }
                  },
                }, verb === "accept" ? "Accept the new time" : "Keep the current time");
              actions.push(
                h(
                  "div",
                  { class: "proposal", role: "group", "aria-label": "A new time proposed by the realtor" },
                  h("p", null, h("strong", null, "New time proposed: "), whenIn(proposal.scheduled_at, item.attributes.time_zone), ` · ${proposal.duration_minutes} minutes`),
                  proposal.message && h("p", null, `“${proposal.message}”`),
                  h("div", { class: "actions" }, answer("accept", "Accepted: the tour moved to the new time."), answer("decline", "Declined: the tour keeps its time.")),
                ),
              );
            }
            if (open) {
              actions.push(
                h("button", {
                  type: "button",
                  onClick: async () => {
                    if (!window.confirm(`Cancel the tour of ${item.attributes.property.address}?`)) return;
                    try {
                      await api.request("DELETE", `/buyers/bookings/${item.id}`);
                      setMessage(status, "Booking cancelled.");
                      await refresh();
                    } catch (error) {
                      setMessage(status, explain(error), "error");
                    }
                  },
                }, "Cancel booking"),
                rescheduleControl(`/buyers/bookings/${item.id}`, item.attributes, () => void refresh(), status),
              );
            }
            return bookingRow(item, actions);
          }),
        ),
      );
    } catch (error) {
      list.replaceChildren(message(explain(error), "error"));
    }
  };
  await refresh();
}

export const buyerPages: Page[] = [
  { pattern: /^\/listings$/, title: "Homes for sale", roles: ["buyer", "admin"], render: listingsPage },
  { pattern: /^\/listings\/([^/]+)$/, title: "Listing", roles: ["buyer", "admin"], render: listingPage },
  { pattern: /^\/bookings$/, title: "My bookings", roles: ["buyer"], render: bookingsPage },
];
