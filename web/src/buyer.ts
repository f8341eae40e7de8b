// Buyer pages: browse and filter listings, a listing with the booking form, my bookings.
import * as api from "./api";
import type { Page } from "./app";
import { explain, link, loading, navigate } from "./app";
import { field, formValues, fromLocalInput, h, message, money, setMessage, toLocalInput, when } from "./dom";

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
  const start = h("input", { name: "scheduled_at", type: "datetime-local", required: true, value: suggestedStart(), step: QUARTER_SECONDS });
  const form = h(
    "form",
    {
      id: "book-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const values = formValues(form);
        setMessage(status, "Sending your request…");
        try {
          const booking = await api.request<Booking>("POST", "/buyers/bookings", {
            property_id: id,
            scheduled_at: fromLocalInput(values.scheduled_at),
            duration_minutes: Number(values.duration_minutes),
            notes: values.notes || null,
          });
          setMessage(status, `Requested for ${when(booking.attributes.scheduled_at)}. The realtor will confirm it.`);
          navigate("/bookings");
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("Date and time", start, "Your local time; tours start on the hour or at :15, :30, :45."),
    field(
      "Length",
      h("select", { name: "duration_minutes" }, ...[30, 45, 60, 90].map((minutes) => h("option", { value: minutes, selected: minutes === 60 }, `${minutes} minutes`))),
    ),
    field("Notes for the realtor", h("textarea", { name: "notes", rows: 2, maxLength: 1000 })),
    h("button", { type: "submit" }, "Request a tour"),
  );
  const gallery = h("div", { class: "gallery" }, ...property.images.filter((image) => image.url).map((image) => h("img", { src: image.url, alt: `Photo of ${property.address}`, loading: "lazy" })));
  main.replaceChildren(
    h("p", null, link("/listings", "← All listings")),
    h("h1", { tabIndex: -1 }, property.address),
    photo(property, true),
    gallery,
    h("p", { class: "lead" }, `${property.city} · ${money(property.price)} · ${facts(property)}`),
    property.description && h("p", null, property.description),
    h("section", { "aria-labelledby": "book-title" }, h("h2", { id: "book-title" }, "Book a tour"), status, form),
  );
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
    h("p", null, `${when(booking.scheduled_at)} · ${booking.duration_minutes} minutes · `, h("strong", { class: `badge ${booking.status}` }, booking.status)),
    booking.notes && h("p", null, `Notes: ${booking.notes}`),
    booking.decline_reason && h("p", null, `Reason: ${booking.decline_reason}`),
    h("div", { class: "actions" }, ...actions),
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
