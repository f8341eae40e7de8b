// Tours for both roles: the list, a tour's page, the live room (Chime SDK) and the results.
import * as api from "./api";
import type { Page } from "./app";
import { currentUser, explain, link, loading, navigate } from "./app";
import { clockTime, h, message, setMessage, when } from "./dom";
import { askSection } from "./ask";
import { followUpSection } from "./followup";
import { openRoom } from "./room";

export interface Call {
  id: string;
  status: string;
  recording_status: string | null;
  started_at: string | null;
  ended_at: string | null;
}

export interface Note {
  id?: string;
  author_role: string;
  content: string;
  timestamp_ms: number | null;
  created_at: string;
}

export interface Highlight {
  id: string;
  timestamp_ms: number;
  highlight_type: string;
  note: string;
  quote: string | null;
  image_url: string | null;
  speaker?: string | null;
  speaker_name?: string | null;
}

export interface Tour {
  status: string;
  scheduled_at: string;
  ends_at: string;
  duration_minutes: number;
  started_at: string | null;
  ended_at: string | null;
  property: { id: string; address: string; city: string };
  call?: Call | null;
  notes?: Note[];
  highlights?: Highlight[];
}

/** `realtors` or `buyers`: the API's path prefix for the signed-in person. */
export function side(): string {
  return currentUser().role === "realtor" ? "realtors" : "buyers";
}

const START_WINDOW_MS = 15 * 60_000; // the API opens a meeting from 15 minutes before the tour
const RESULT_STATES = ["completed", "processing", "processed", "processing_failed"];

async function toursPage(main: HTMLElement, _params: string[], query: URLSearchParams): Promise<void> {
  const whenFilter = query.get("when") === "past" ? "past" : "upcoming";
  const list = h("div");
  main.replaceChildren(
    h("h1", { tabIndex: -1 }, currentUser().role === "realtor" ? "Tours" : "My tours"),
    h(
      "nav",
      { "aria-label": "Which tours" },
      h(
        "ul",
        { class: "tabs" },
        h("li", null, link("/tours", "Upcoming", whenFilter === "upcoming" ? { "aria-current": "page" } : {})),
        h("li", null, link("/tours?when=past", "Past", whenFilter === "past" ? { "aria-current": "page" } : {})),
      ),
    ),
    list,
  );
  loading(list, "Loading tours…");
  const page = await api.list<Tour>(`/${side()}/tours`, { when: whenFilter, limit: 50 });
  list.replaceChildren(
    page.items.length
      ? h(
          "ul",
          { class: "cards" },
          ...page.items.map((item) =>
            h(
              "li",
              { class: "card", "data-tour": item.id },
              h("h2", null, link(`/tours/${item.id}`, item.attributes.property.address)),
              h("p", null, `${when(item.attributes.scheduled_at)} · `, h("strong", { class: `badge ${item.attributes.status}` }, item.attributes.status.replace("_", " "))),
            ),
          ),
        )
      : message(whenFilter === "past" ? "No past tours." : "No upcoming tours. Confirmed bookings appear here."),
  );
}

async function tourPage(main: HTMLElement, [id]: string[]): Promise<void> {
  loading(main);
  const tour = await api.request<Tour>("GET", `/${side()}/tours/${id}`);
  const t = tour.attributes;
  const status = h("div", { "aria-live": "polite" });
  const actions = h("div", { class: "actions" });
  const startsIn = new Date(t.scheduled_at).getTime() - Date.now();
  const isRealtor = currentUser().role === "realtor";
  if (t.status === "scheduled" && isRealtor) {
    const startButton = h("button", {
      type: "button",
      disabled: startsIn > START_WINDOW_MS,
      onClick: async () => {
        try {
          await api.request("POST", `/realtors/tours/${id}/start`);
          navigate(`/tours/${id}/room`);
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    }, "Start the tour");
    actions.append(startButton);
    if (startsIn > START_WINDOW_MS) actions.append(h("p", null, "You can start the tour from 15 minutes before its time."));
  } else if (t.status === "scheduled") {
    actions.append(h("p", null, "The realtor opens the tour room at tour time; this page lets you join once it is open."));
  }
  if (t.status === "in_progress") actions.append(link(`/tours/${id}/room`, "Join the tour room", { class: "button" }));
  if (RESULT_STATES.includes(t.status)) actions.append(link(`/tours/${id}/results`, "See the tour results", { class: "button" }));
  main.replaceChildren(
    h("p", null, link("/tours", "← Tours")),
    h("h1", { tabIndex: -1 }, t.property.address),
    h("dl", { class: "facts" }, h("dt", null, "When"), h("dd", null, `${when(t.scheduled_at)} (${t.duration_minutes} minutes)`), h("dt", null, "Status"), h("dd", { "data-tour-status": t.status }, t.status.replace("_", " "))),
    status,
    actions,
    notesList(t.notes ?? []),
  );
}

export function notesList(notes: Note[]): HTMLElement {
  return h(
    "section",
    { "aria-labelledby": "notes-title" },
    h("h2", { id: "notes-title" }, "Notes"),
    notes.length
      ? h("ol", { class: "notes" }, ...notes.map((note) => h("li", null, note.timestamp_ms !== null ? h("span", { class: "time" }, clockTime(note.timestamp_ms)) : "", ` ${note.content} `, h("small", null, `(${note.author_role})`))))
      : h("p", null, "No notes yet."),
  );
}

async function roomPage(main: HTMLElement, [id]: string[]): Promise<void> {
  loading(main, "Opening the tour room…");
  const tour = await api.request<Tour>("GET", `/${side()}/tours/${id}`);
  await openRoom(main, id, tour.attributes);
}

// ---------------------------------------------------------------- results

interface Segment {
  start_ms: number;
  end_ms: number;
  text: string;
  speaker?: string | null;
  speaker_name?: string | null;
  speaker_method?: string | null;
  speaker_confidence?: number | null;
}

/** "Dana (buyer)", "realtor", "unknown speaker"; nothing for a transcript made before speakers were labelled. */
function speakerLabel(item: { speaker?: string | null; speaker_name?: string | null }): string {
  if (!item.speaker) return "";
  if (item.speaker === "unknown") return "unknown speaker";
  return item.speaker_name ? `${item.speaker_name} (${item.speaker})` : item.speaker;
}

const speakerTag = (item: { speaker?: string | null; speaker_name?: string | null }) =>
  item.speaker ? h("span", { class: `speaker ${item.speaker}` }, `${speakerLabel(item)}:`) : "";

interface Recording {
  status: string;
  processing_status: string;
  playback_url: string | null;
  content_type: string | null;
  duration_seconds: number | null;
  failure_reason: string | null;
}

interface Summary {
  status: string;
  processing_error: string | null;
  overview: string | null;
  liked: string[] | null;
  concerns: string[] | null;
  questions_for_seller: string[] | null;
  next_steps: string[] | null;
}

async function tryRequest<A>(path: string): Promise<api.Resource<A> | api.ApiError> {
  try {
    return await api.request<A>("GET", path);
  } catch (error) {
    if (error instanceof api.ApiError && error.status < 500) return error;
    throw error;
  }
}

async function resultsPage(main: HTMLElement, [id]: string[], query: URLSearchParams): Promise<void> {
  loading(main, "Loading the tour results…");
  const base = `/${side()}/tours/${id}`;
  const tour = await api.request<Tour>("GET", base);
  const t = tour.attributes;
  const header = [h("p", null, link(`/tours/${id}`, "← The tour")), h("h1", { tabIndex: -1 }, `Tour results: ${t.property.address}`)];
  if (t.status !== "processed") {
    const status = h("div", { "aria-live": "polite" });
    const explainState: Record<string, string> = {
      completed: "The tour has ended. Its recording is being prepared; transcript, highlights and summary follow.",
      processing: "The recording is being transcribed and summarised. This page updates when it is done.",
      processing_failed: "Processing the recording failed.",
      in_progress: "The tour is still going on.",
      scheduled: "The tour has not happened yet.",
      cancelled: "The tour was cancelled.",
    };
    main.replaceChildren(...header, h("p", { "data-results-state": t.status, role: "status" }, explainState[t.status] ?? t.status), status);
    if (t.status === "processing_failed" && currentUser().role === "realtor") {
      main.append(
        h("button", {
          type: "button",
          onClick: async () => {
            try {
              await api.request("POST", `${base}/reprocess`);
              setMessage(status, "Processing again; this page updates when it is done.");
              pollUntilProcessed(base, "processing_failed", () => navigate(`/tours/${id}/results`, true));
            } catch (error) {
              setMessage(status, explain(error), "error");
            }
          },
        }, "Process the recording again"),
      );
    }
    if (["completed", "processing"].includes(t.status)) pollUntilProcessed(base, t.status, () => navigate(`/tours/${id}/results`, true));
    return;
  }
  const [recording, transcript, highlights, summary] = await Promise.all([
    tryRequest<Recording>(`${base}/recording`),
    tryRequest<{ segments: Segment[] | null; full_text: string | null }>(`${base}/transcript`),
    tryRequest<{ highlights: Highlight[] | null }>(`${base}/highlights`),
    tryRequest<Summary>(`${base}/summary`),
  ]);
  // A video recording (content_type video/...) plays in a <video>; an audio-only one (older tours) in an <audio>.
  const isVideo = !(recording instanceof api.ApiError) && (recording.attributes.content_type ?? "").startsWith("video/");
  const player: HTMLMediaElement = isVideo
    ? h("video", { controls: true, preload: "metadata", id: "player", playsInline: true, class: "tour-video" })
    : h("audio", { controls: true, preload: "metadata", id: "player" });
  const playerSection = h("section", { "aria-labelledby": "recording-title" }, h("h2", { id: "recording-title" }, "Recording"));
  if (recording instanceof api.ApiError || !recording.attributes.playback_url) {
    playerSection.append(message(recording instanceof api.ApiError ? recording.message : recording.attributes.failure_reason ?? "No recording is available.", "error"));
  } else {
    player.src = recording.attributes.playback_url;
    playerSection.append(player);
  }
  const seek = (ms: number) => {
    player.currentTime = ms / 1000;
    player.dataset.seekedTo = String(ms);
    void player.play().catch(() => undefined); // autoplay may be refused; the position still moves
  };

  const segments = transcript instanceof api.ApiError ? [] : transcript.attributes.segments ?? [];
  const lines = segments.map((segment) =>
    h("li", null, h("button", { type: "button", class: "line", "data-start": segment.start_ms, onClick: () => seek(segment.start_ms) }, h("span", { class: "time" }, clockTime(segment.start_ms)), speakerTag(segment), ` ${segment.text}`)),
  );
  const transcriptSection = h(
    "section",
    { "aria-labelledby": "transcript-title", class: "transcript" },
    h("h2", { id: "transcript-title" }, "Transcript"),
    transcript instanceof api.ApiError ? message(transcript.message, "error") : lines.length ? h("ol", null, ...lines) : message("No transcript."),
  );
  // The transcript follows playback: the line being spoken is marked and kept in view.
  let current = -1;
  player.addEventListener("timeupdate", () => {
    const ms = player.currentTime * 1000;
    const index = segments.findIndex((segment) => ms >= segment.start_ms && ms < segment.end_ms);
    if (index === current) return;
    lines[current]?.querySelector("button")?.removeAttribute("aria-current");
    current = index;
    const line = lines[index]?.querySelector("button");
    if (line) {
      line.setAttribute("aria-current", "true");
      line.scrollIntoView({ block: "nearest" });
    }
  });

  const marks = highlights instanceof api.ApiError ? [] : highlights.attributes.highlights ?? [];
  // The timeline spans the longest of what is known (the recording's length, the transcript, the marks).
  const recordedMs = !(recording instanceof api.ApiError) && recording.attributes.duration_seconds ? recording.attributes.duration_seconds * 1000 : 0;
  const durationMs = Math.max(1, recordedMs, ...segments.map((segment) => segment.end_ms), ...marks.map((mark) => mark.timestamp_ms + 1000));
  const tick = (mark: Highlight) => {
    const element = h("span", { class: `tick ${mark.highlight_type}` });
    element.style.left = `${Math.min(100, (mark.timestamp_ms / durationMs) * 100)}%`; // CSSOM: allowed by the CSP
    return element;
  };
  const timeline = h(
    "section",
    { "aria-labelledby": "highlights-title" },
    h("h2", { id: "highlights-title" }, "Highlights"),
    marks.length
      ? [
          h("div", { class: "timeline", "aria-hidden": "true" }, ...marks.map(tick)),
          h(
            "ol",
            { class: "highlights" },
            ...marks.map((mark) =>
              h(
                "li",
                null,
                h(
                  "button",
                  { type: "button", class: `highlight ${mark.highlight_type}`, "data-ms": mark.timestamp_ms, onClick: () => seek(mark.timestamp_ms) },
                  mark.image_url ? h("img", { src: mark.image_url, alt: "" }) : "",
                  h("span", { class: "time" }, clockTime(mark.timestamp_ms)),
                  speakerTag(mark),
                  ` ${mark.highlight_type.replace("_", " ")}: ${mark.note}`,
                ),
              ),
            ),
          ),
        ]
      : message(highlights instanceof api.ApiError ? highlights.message : "No highlights."),
  );

  const cards = h("div", { class: "summary" });
  if (summary instanceof api.ApiError) cards.append(message(summary.message, "error"));
  else {
    const s = summary.attributes;
    if (s.overview) cards.append(h("p", { class: "lead" }, s.overview));
    const card = (title: string, items: string[] | null) =>
      h("article", { class: "card" }, h("h3", null, title), items?.length ? h("ul", null, ...items.map((item) => h("li", null, item))) : h("p", null, "Nothing noted."));
    cards.append(card("Liked", s.liked), card("Concerns", s.concerns), card("Questions for the seller", s.questions_for_seller), card("Next steps", s.next_steps));
  }
  main.replaceChildren(
    ...header,
    playerSection,
    timeline,
    h("section", { "aria-labelledby": "summary-title" }, h("h2", { id: "summary-title" }, "Summary"), cards),
    askSection(base, seek),
    transcriptSection,
    notesList(t.notes ?? []),
    followUpSection(id, currentUser().role === "realtor"),
  );
  // A link to a moment (the summary email, the listing's interest) opens the page there: `?t=<ms>`.
  const startAt = Number(query.get("t"));
  if (query.has("t") && Number.isInteger(startAt) && startAt >= 0 && player.src) {
    const jump = () => {
      player.currentTime = startAt / 1000;
      player.dataset.seekedTo = String(startAt);
    };
    if (player.readyState >= 1) jump();
    else player.addEventListener("loadedmetadata", jump, { once: true });
    playerSection.scrollIntoView({ block: "start" });
  }
  main.dataset.results = "ready";
}

/** Re-render once the tour leaves the state shown (processing finished, failed, or started again). */
function pollUntilProcessed(base: string, shown: string, done: () => void): void {
  const page = location.pathname;
  const tick = async () => {
    if (location.pathname !== page) return; // the person went elsewhere
    try {
      const tour = await api.request<Tour>("GET", base);
      if (tour.attributes.status !== shown) return done();
    } catch {
      // A passing network error: try again on the next tick.
    }
    window.setTimeout(() => void tick(), 2000);
  };
  window.setTimeout(() => void tick(), 2000);
}

export const tourPages: Page[] = [
  { pattern: /^\/tours$/, title: "Tours", roles: ["buyer", "realtor"], render: toursPage },
  { pattern: /^\/tours\/([^/]+)$/, title: "Tour", roles: ["buyer", "realtor"], render: tourPage },
  { pattern: /^\/tours\/([^/]+)\/room$/, title: "Tour room", roles: ["buyer", "realtor"], render: roomPage },
  { pattern: /^\/tours\/([^/]+)\/results$/, title: "Tour results", roles: ["buyer", "realtor"], render: resultsPage },
];

