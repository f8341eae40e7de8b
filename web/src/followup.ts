// After a processed tour: the realtor's follow-up to the buyer (draft editor, send) on the results page,
// the buyer's copy once sent, and the interest panel of a realtor's listing.
import * as api from "./api";
import { explain, link } from "./app";
import { clockTime, field, h, message, setMessage, when } from "./dom";

interface FollowUp {
  status: "draft" | "sent";
  subject: string;
  body: string;
  model: string | null;
  edited: boolean | null;
  sent_at: string | null;
}

/** The results page's follow-up section: the realtor edits and sends the draft; the buyer reads it once sent. */
export function followUpSection(tourId: string, isRealtor: boolean): HTMLElement {
  const section = h("section", { "aria-labelledby": "follow-up-title", class: "follow-up" }, h("h2", { id: "follow-up-title" }, isRealtor ? "Follow-up to the buyer" : "Message from your realtor"));
  const body = h("div");
  section.append(body);
  void (async () => {
    try {
      const found = await api.request<FollowUp>("GET", `/${isRealtor ? "realtors" : "buyers"}/tours/${tourId}/follow-up`);
      render(found.attributes);
    } catch (error) {
      if (error instanceof api.ApiError && error.status === 404) {
        section.hidden = !isRealtor;
        body.replaceChildren(message("No draft yet: it is written when the recording has been processed."));
      } else body.replaceChildren(message(explain(error), "error"));
    }
  })();

  function sentCopy(followUp: FollowUp): HTMLElement {
    return h(
      "article",
      { class: "card", "data-follow-up": "sent" },
      h("p", null, h("strong", null, followUp.subject)),
      h("p", { class: "letter" }, followUp.body),
      h("p", null, h("small", null, `Sent ${when(followUp.sent_at)}`)),
    );
  }

  function render(followUp: FollowUp): void {
    if (followUp.status === "sent" || !isRealtor) {
      body.replaceChildren(sentCopy(followUp));
      return;
    }
    const status = h("div", { "aria-live": "polite" });
    const subject = h("input", { name: "subject", required: true, maxLength: 200, value: followUp.subject });
    const text = h("textarea", { name: "body", rows: 12, required: true, maxLength: 5000, value: followUp.body });
    const save = async (): Promise<boolean> => {
      try {
        await api.request("PUT", `/realtors/tours/${tourId}/follow-up`, { subject: subject.value, body: text.value });
        return true;
      } catch (error) {
        setMessage(status, explain(error), "error");
        return false;
      }
    };
    const form = h(
      "form",
      {
        id: "follow-up-form",
        "data-follow-up": "draft",
        onSubmit: async (event: Event) => {
          event.preventDefault();
          if (await save()) setMessage(status, "Draft saved.");
        },
      },
      h("p", null, followUp.edited ? "Your edited draft. The buyer sees it only when you send it." : "A draft written from the tour's summary. Edit it, then send it to the buyer."),
      field("Subject", subject),
      field("Message", text),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "submit", class: "secondary" }, "Save draft"),
        h("button", {
          type: "button",
          onClick: async () => {
            if (!window.confirm("Send this follow-up to the buyer by email? It cannot be changed afterwards.")) return;
            const dirty = subject.value !== followUp.subject || text.value !== followUp.body;
            if (dirty && !(await save())) return;
            try {
              const sent = await api.request<FollowUp>("POST", `/realtors/tours/${tourId}/follow-up/send`);
              render(sent.attributes);
              body.prepend(message("Sent to the buyer."));
            } catch (error) {
              setMessage(status, explain(error), "error");
            }
          },
        }, "Send to the buyer"),
      ),
      status,
    );
    body.replaceChildren(form);
  }
  return section;
}

interface Moment {
  tour_id: string;
  timestamp_ms: number | null;
  text: string;
  scheduled_at: string | null;
}

interface Theme {
  theme: string;
  count: number;
  tours: number;
  moments: Moment[];
}

interface Question {
  id: string;
  text: string;
  tour_id: string;
  timestamp_ms: number | null;
  scheduled_at: string | null;
  answered: boolean;
}

interface Interest {
  tours: number;
  processed_tours: number;
  likes: Theme[];
  concerns: Theme[];
  open_questions: Question[];
  answered_questions: Question[];
}

function momentLink(tourId: string, ms: number | null, text: string): HTMLAnchorElement {
  return link(`/tours/${tourId}/results${ms === null ? "" : `?t=${ms}`}`, ms === null ? text : `${clockTime(ms)} ${text}`);
}

/** The realtor's listing page: what buyers liked and worried about most, and the open questions for the seller. */
export function interestSection(propertyId: string): HTMLElement {
  const body = h("div");
  const section = h("section", { "aria-labelledby": "interest-title", class: "interest" }, h("h2", { id: "interest-title" }, "Buyer interest"), body);
  const themes = (title: string, kind: string, found: Theme[]) =>
    h(
      "article",
      { class: "card", "data-interest": kind },
      h("h3", null, title),
      found.length
        ? h("ol", null, ...found.map((theme) => h("li", null, h("strong", null, `${theme.theme} `), `(${theme.count}× in ${theme.tours} ${theme.tours === 1 ? "tour" : "tours"})`, h("ul", null, ...theme.moments.map((m) => h("li", null, momentLink(m.tour_id, m.timestamp_ms, m.text)))))))
        : h("p", null, "Nothing yet."),
    );
  const render = (interest: Interest) => {
    const status = h("div", { "aria-live": "polite" });
    const questionItem = (question: Question) =>
      h(
        "li",
        { "data-question": question.id },
        momentLink(question.tour_id, question.timestamp_ms, question.text),
        " ",
        h("button", {
          type: "button",
          class: "secondary",
          onClick: async () => {
            try {
              await api.request("PUT", `/realtors/properties/${propertyId}/interest/questions/${encodeURIComponent(question.id)}`, { answered: !question.answered });
              await load();
            } catch (error) {
              setMessage(status, explain(error), "error");
            }
          },
        }, question.answered ? "Reopen" : "Mark answered"),
      );
    body.replaceChildren(
      h("p", { "data-interest-tours": interest.tours }, `${interest.tours} ${interest.tours === 1 ? "tour" : "tours"} recorded, ${interest.processed_tours} processed.`),
      h("div", { class: "summary" }, themes("Liked most", "likes", interest.likes), themes("Worried about most", "concerns", interest.concerns)),
      h(
        "article",
        { class: "card", "data-interest": "questions" },
        h("h3", null, "Open questions for the seller"),
        interest.open_questions.length ? h("ul", null, ...interest.open_questions.map(questionItem)) : h("p", null, "No open questions."),
        interest.answered_questions.length ? h("details", null, h("summary", null, `Answered (${interest.answered_questions.length})`), h("ul", null, ...interest.answered_questions.map(questionItem))) : "",
      ),
      status,
    );
  };
  const load = async () => {
    try {
      render((await api.request<Interest>("GET", `/realtors/properties/${propertyId}/interest`)).attributes);
    } catch (error) {
      body.replaceChildren(message(explain(error), "error"));
    }
  };
  body.append(message("Loading buyer interest…"));
  void load();
  return section;
}
