// "Ask about this tour" on the results page: a question box, the answer and the moments it comes from
// (buttons that seek the player, as highlights do), and the person's earlier questions, newest first.
import * as api from "./api";
import { explain } from "./app";
import { clockTime, field, h, message, setMessage } from "./dom";

interface CitedMoment {
  timestamp_ms: number;
  end_ms: number | null;
  quote: string;
  speaker: string | null;
  speaker_name: string | null;
}

interface Question {
  question: string;
  discussed: boolean;
  answer: string;
  cited_moments: CitedMoment[];
  created_at: string;
}

const who = (moment: CitedMoment): string =>
  moment.speaker_name ?? (moment.speaker && moment.speaker !== "unknown" ? `the ${moment.speaker}` : "");

function answerView(q: Question, seek: (ms: number) => void): HTMLElement {
  return h(
    "li",
    { class: "answer", "data-discussed": String(q.discussed) },
    h("p", { class: "asked" }, h("strong", null, "Q: "), q.question),
    h("p", null, q.answer),
    q.cited_moments.length
      ? h(
          "ul",
          { class: "moments", "aria-label": "Where this was said" },
          ...q.cited_moments.map((moment) =>
            h(
              "li",
              null,
              h(
                "button",
                { type: "button", class: "moment", "data-ms": moment.timestamp_ms, onClick: () => seek(moment.timestamp_ms) },
                h("span", { class: "time" }, clockTime(moment.timestamp_ms)),
                who(moment) ? ` ${who(moment)}: ` : " ",
                `“${moment.quote}”`,
              ),
            ),
          ),
        )
      : "",
  );
}

/** The section, filled with the person's earlier questions as soon as they load. */
export function askSection(base: string, seek: (ms: number) => void): HTMLElement {
  const status = h("div", { "aria-live": "polite" });
  const answers = h("ol", { class: "answers", id: "answers" });
  const input = h("input", { name: "question", required: true, minLength: 3, maxLength: 500, autocomplete: "off" });
  const button = h("button", { type: "submit" }, "Ask");
  const form = h(
    "form",
    {
      id: "ask-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        button.disabled = true;
        setMessage(status, "Looking through the tour…");
        try {
          const asked = await api.request<Question>("POST", `${base}/questions`, { question: input.value });
          answers.prepend(answerView(asked.attributes, seek));
          setMessage(status, "");
          form.reset();
        } catch (error) {
          setMessage(status, explain(error), "error");
        } finally {
          button.disabled = false;
        }
      },
    },
    field("Your question", input, "Answered from this tour's transcript and the notes you can see."),
    button,
  );
  void api
    .list<Question>(`${base}/questions`, { limit: "10" })
    .then((page) => answers.append(...page.items.map((item) => answerView(item.attributes, seek))))
    .catch((error: unknown) => status.replaceChildren(message(explain(error), "error")));
  return h("section", { "aria-labelledby": "ask-title", class: "ask" }, h("h2", { id: "ask-title" }, "Ask about this tour"), form, status, answers);
}
