// Realtor pages: my listings (create, edit, delete, photos by presigned POST), requests, billing.
import * as api from "./api";
import type { Page } from "./app";
import { explain, link, loading, navigate } from "./app";
import { type Booking, type Property, bookingRow, facts, photo, rescheduleControl } from "./buyer";
import { field, formValues, h, message, money, setMessage } from "./dom";
import { interestSection } from "./followup";
import { proposeControl } from "./schedule";

async function manageListPage(main: HTMLElement): Promise<void> {
  const list = h("div");
  main.replaceChildren(
    h("h1", { tabIndex: -1 }, "My listings"),
    h("p", null, link("/manage/new", "Add a listing", { class: "button" })),
    list,
  );
  loading(list, "Loading your listings…");
  const page = await api.list<Property>("/realtors/properties", { limit: 100 });
  list.replaceChildren(
    page.items.length
      ? h(
          "ul",
          { class: "cards" },
          ...page.items.map((item) =>
            h(
              "li",
              { class: "card" },
              photo(item.attributes),
              h("h2", null, link(`/manage/${item.id}`, item.attributes.address)),
              h("p", null, `${item.attributes.city} · ${money(item.attributes.price)} · ${item.attributes.status}`),
              h("p", null, facts(item.attributes)),
            ),
          ),
        )
      : message("You have no listings yet."),
  );
}

function propertyForm(property: Partial<Property>, submit: (values: Record<string, unknown>) => Promise<void>): HTMLFormElement {
  const status = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    {
      id: "property-form",
      class: "grid",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const values = formValues(form);
        const body: Record<string, unknown> = {
          ...values,
          price: Number(values.price),
          bedrooms: Number(values.bedrooms),
          bathrooms: Number(values.bathrooms),
          sqft: Number(values.sqft),
          mls_id: values.mls_id || null,
        };
        setMessage(status, "Saving…");
        try {
          await submit(body);
          setMessage(status, "Saved.");
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    status,
    field("Address", h("input", { name: "address", required: true, value: property.address ?? "" })),
    field("City", h("input", { name: "city", required: true, value: property.city ?? "" })),
    field("Price (USD)", h("input", { name: "price", type: "number", min: 0, step: 1000, required: true, value: property.price ?? "" })),
    field("Bedrooms", h("input", { name: "bedrooms", type: "number", min: 0, required: true, value: property.bedrooms ?? "" })),
    field("Bathrooms", h("input", { name: "bathrooms", type: "number", min: 0, step: 0.5, required: true, value: property.bathrooms ?? "" })),
    field("Square feet", h("input", { name: "sqft", type: "number", min: 1, required: true, value: property.sqft ?? "" })),
    field("MLS id", h("input", { name: "mls_id", value: property.mls_id ?? "" })),
    field(
      "Status",
      h("select", { name: "status" }, ...["active", "pending", "sold", "inactive"].map((value) => h("option", { value, selected: (property.status ?? "active") === value }, value))),
    ),
    field("Description", h("textarea", { name: "description", rows: 4, value: property.description ?? "" })),
    h("button", { type: "submit" }, property.address ? "Save changes" : "Create listing"),
  );
  return form;
}

function newListingPage(main: HTMLElement): void {
  main.replaceChildren(
    h("p", null, link("/manage", "← My listings")),
    h("h1", { tabIndex: -1 }, "Add a listing"),
    propertyForm({}, async (body) => {
      const created = await api.request<Property>("POST", "/realtors/properties", body);
      navigate(`/manage/${created.id}`);
    }),
  );
}

interface Upload {
  image_id: string;
  url: string;
  fields: Record<string, string>;
  max_bytes: number;
  content_type: string;
}

/** The presigned POST straight to S3, with progress; XHR because fetch reports no upload progress. */
function postToS3(upload: Upload, file: File, progress: HTMLProgressElement): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) body.append(name, value);
    body.append("file", file); // S3 wants the file last
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        progress.value = 100;
        resolve();
      } else {
        const code = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText)?.[1];
        reject(new Error(`The upload was refused (${xhr.status})${code ? `: ${code}` : ""}.`));
      }
    };
    xhr.onerror = () => reject(new Error("The upload could not reach storage. Try again."));
    xhr.send(body);
  });
}

async function editListingPage(main: HTMLElement, [id]: string[]): Promise<void> {
  loading(main);
  const item = await api.request<Property>("GET", `/realtors/properties/${id}`);
  const photos = h("ul", { class: "photos", "aria-label": "Photos" });
  const photoStatus = h("div", { "aria-live": "polite" });
  const progress = h("progress", { max: 100, value: 0, hidden: true, "aria-label": "Upload progress" });
  const renderPhotos = (property: Property) => {
    photos.replaceChildren(
      ...property.images.map((image) =>
        h(
          "li",
          { "data-image-status": image.status },
          image.thumbnail_url || image.url
            ? h("img", { src: image.thumbnail_url ?? image.url, alt: `Photo of ${property.address}` })
            : h("span", { class: "thumb placeholder" }, image.status === "failed" ? "Could not process" : "Processing…"),
          h("button", {
            type: "button",
            onClick: async () => {
              try {
                await api.request("DELETE", `/realtors/properties/${id}/images/${image.id}`);
                property.images = property.images.filter((other) => other.id !== image.id);
                renderPhotos(property);
              } catch (error) {
                setMessage(photoStatus, explain(error), "error");
              }
            },
          }, "Delete photo"),
        ),
      ),
    );
  };
  renderPhotos(item.attributes);
  const fileInput = h("input", { name: "photo", type: "file", accept: "image/jpeg,image/png,image/webp", required: true });
  const uploadForm = h(
    "form",
    {
      id: "photo-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const file = fileInput.files?.[0];
        if (!file) return;
        progress.hidden = false;
        progress.value = 0;
        setMessage(photoStatus, `Uploading ${file.name}…`);
        try {
          const upload = await api.request<Upload>("POST", `/realtors/properties/${id}/images`, { content_type: file.type });
          if (file.size > upload.attributes.max_bytes) throw new Error(`The photo is larger than ${Math.round(upload.attributes.max_bytes / 1048576)} MB.`);
          await postToS3(upload.attributes, file, progress);
          setMessage(photoStatus, "Uploaded; the photo is being processed.");
          uploadForm.reset();
          await waitForPhotos(id, renderPhotos, photoStatus);
        } catch (error) {
          setMessage(photoStatus, explain(error), "error");
        }
      },
    },
    field("Add a photo", fileInput, "JPEG, PNG or WebP."),
    progress,
    h("button", { type: "submit" }, "Upload photo"),
  );
  main.replaceChildren(
    h("p", null, link("/manage", "← My listings")),
    h("h1", { tabIndex: -1 }, item.attributes.address),
    propertyForm(item.attributes, async (body) => {
      const updated = await api.request<Property>("PUT", `/realtors/properties/${id}`, body);
      main.querySelector("h1")!.textContent = updated.attributes.address;
    }),
    h("section", { "aria-labelledby": "photos-title" }, h("h2", { id: "photos-title" }, "Photos"), photoStatus, photos, uploadForm),
    interestSection(id),
    h(
      "section",
      { "aria-labelledby": "danger-title" },
      h("h2", { id: "danger-title" }, "Delete"),
      h("button", {
        type: "button",
        class: "danger",
        onClick: async () => {
          if (!window.confirm(`Delete ${item.attributes.address}? This cannot be undone.`)) return;
          try {
            await api.request("DELETE", `/realtors/properties/${id}`);
            navigate("/manage");
          } catch (error) {
            setMessage(photoStatus, explain(error), "error");
          }
        },
      }, "Delete this listing"),
    ),
  );
}

/** Photos are processed after the upload (thumbnails); poll the listing until none is pending. */
async function waitForPhotos(id: string, render: (property: Property) => void, status: HTMLElement): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt += 1) {
    const item = await api.request<Property>("GET", `/realtors/properties/${id}`);
    render(item.attributes);
    if (item.attributes.images.every((image) => image.status !== "pending" && image.status !== "processing")) {
      setMessage(status, "Photo ready.");
      return;
    }
    await new Promise((resolve) => window.setTimeout(resolve, 1000));
  }
  setMessage(status, "The photo is still being processed; it will appear here when it is ready.");
}

async function requestsPage(main: HTMLElement, _params: string[], query: URLSearchParams): Promise<void> {
  const status = h("div", { "aria-live": "polite" });
  const list = h("div");
  const filter = query.get("status") ?? "pending";
  const tabs = h(
    "nav",
    { "aria-label": "Booking status" },
    h("ul", { class: "tabs" }, ...["pending", "confirmed", "declined", "cancelled", "completed"].map((value) => h("li", null, link(`/requests?status=${value}`, value, value === filter ? { "aria-current": "page" } : {})))),
  );
  main.replaceChildren(h("h1", { tabIndex: -1 }, "Tour requests"), tabs, status, list);
  const refresh = async () => {
    loading(list, "Loading requests…");
    const page = await api.list<Booking>("/realtors/bookings", { status: filter, limit: 50 });
    if (!page.items.length) {
      list.replaceChildren(message(`No ${filter} requests.`));
      return;
    }
    list.replaceChildren(
      h(
        "ul",
        { class: "cards" },
        ...page.items.map((item) => {
          const actions: HTMLElement[] = [];
          const act = (text: string, run: () => Promise<unknown>, done: string) =>
            h("button", {
              type: "button",
              onClick: async () => {
                try {
                  await run();
                  setMessage(status, done);
                  await refresh();
                } catch (error) {
                  setMessage(status, explain(error), "error");
                }
              },
            }, text);
          if (item.attributes.status === "pending") {
            actions.push(act("Confirm", () => api.request("PUT", `/realtors/bookings/${item.id}/confirm`), "Confirmed: the tour is scheduled."));
            const reason = h("input", { name: "reason", required: true, maxLength: 500 });
            const decline = h("details", null, h("summary", null, "Decline…"));
            decline.append(
              h(
                "form",
                {
                  onSubmit: async (event: Event) => {
                    event.preventDefault();
                    try {
                      await api.request("PUT", `/realtors/bookings/${item.id}/decline`, { reason: reason.value });
                      setMessage(status, "Declined.");
                      await refresh();
                    } catch (error) {
                      setMessage(status, explain(error), "error");
                    }
                  },
                },
                field("Reason for the buyer", reason),
                h("button", { type: "submit" }, "Decline"),
              ),
            );
            actions.push(decline);
          }
          if (["pending", "confirmed"].includes(item.attributes.status)) {
            actions.push(
              proposeControl(item.id, item.attributes, () => void refresh(), status),
              rescheduleControl(`/realtors/bookings/${item.id}`, item.attributes, () => void refresh(), status),
            );
          }
          return bookingRow(item, actions);
        }),
      ),
    );
  };
  await refresh();
}

interface Subscription {
  plan: string;
  status: string;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  pro_features: boolean;
}

async function billingPage(main: HTMLElement): Promise<void> {
  const status = h("div", { "aria-live": "polite" });
  main.replaceChildren(h("h1", { tabIndex: -1 }, "Billing"), status);
  loading(status);
  const subscription = (await api.request<Subscription>("GET", "/realtors/billing/subscription")).attributes;
  const redirect = (text: string, path: string, body: unknown) =>
    h("button", {
      type: "button",
      onClick: async () => {
        setMessage(status, "Opening Stripe…");
        try {
          const session = await api.request<{ url: string }>("POST", path, body);
          window.location.assign(session.attributes.url);
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    }, text);
  status.replaceChildren();
  main.append(
    h(
      "dl",
      { class: "facts" },
      h("dt", null, "Plan"),
      h("dd", null, subscription.plan),
      h("dt", null, "Status"),
      h("dd", null, subscription.status),
      subscription.current_period_end && [h("dt", null, "Renews"), h("dd", null, new Date(subscription.current_period_end).toLocaleDateString())],
      h("dt", null, "Recording and tour summaries"),
      h("dd", null, subscription.pro_features ? "included" : "not on this plan"),
    ),
    h(
      "div",
      { class: "actions" },
      subscription.pro_features
        ? redirect("Manage the subscription", "/realtors/billing/portal-session", {})
        : redirect("Upgrade to pro", "/realtors/billing/checkout-session", { plan: "pro" }),
    ),
  );
}

export const realtorPages: Page[] = [
  { pattern: /^\/manage$/, title: "My listings", roles: ["realtor"], render: manageListPage },
  { pattern: /^\/manage\/new$/, title: "Add a listing", roles: ["realtor"], render: newListingPage },
  { pattern: /^\/manage\/([^/]+)$/, title: "Edit a listing", roles: ["realtor"], render: editListingPage },
  { pattern: /^\/requests$/, title: "Tour requests", roles: ["realtor"], render: requestsPage },
  { pattern: /^\/billing$/, title: "Billing", roles: ["realtor"], render: billingPage },
];
