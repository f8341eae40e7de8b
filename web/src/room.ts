// The live tour room on amazon-chime-sdk-js: consent, devices, video, recording, notes, end, leave.
import {
  ConsoleLogger,
  DefaultDeviceController,
  DefaultMeetingSession,
  LogLevel,
  MeetingSessionConfiguration,
  type VideoTileState,
} from "amazon-chime-sdk-js";
import * as api from "./api";
import { currentUser, explain, link, navigate } from "./app";
import { clockTime, field, h, message, setMessage } from "./dom";
import { type Call, type Note, type Tour, side } from "./tours";

interface Joined extends Call {
  recording_consent: boolean | null;
  meeting: Record<string, unknown>;
  attendee: Record<string, unknown>;
}

/** What the page exposes about the session it built (the browser tests read it). */
export interface RoomState {
  meetingId: string | null;
  attendeeId: string | null;
  audioHostUrl: string | null;
  media: "chime" | "preview-only";
}

declare global {
  interface Window {
    rfyRoom?: RoomState;
  }
}

let activeRoom: { close: () => Promise<void> } | null = null;

export async function openRoom(main: HTMLElement, tourId: string, tour: Tour): Promise<void> {
  await activeRoom?.close();
  const isRealtor = currentUser().role === "realtor";
  const call = tour.call;
  const heading = h("h1", { tabIndex: -1 }, `Tour room: ${tour.property.address}`);
  if (!call || tour.status !== "in_progress") {
    main.replaceChildren(
      heading,
      message(tour.status === "scheduled" ? "The tour room is not open yet. The realtor opens it at tour time." : "This tour is over.", "status"),
      h("p", null, link(`/tours/${tourId}`, "Back to the tour")),
    );
    return;
  }
  if (isRealtor) return joinRoom(main, heading, tourId, tour, call.id, {});
  // The buyer answers the recording question before joining; the answer is audited by the API.
  const form = h(
    "form",
    {
      id: "consent-form",
      onSubmit: (event: Event) => {
        event.preventDefault();
        const choice = (form.elements.namedItem("consent") as RadioNodeList).value;
        void joinRoom(main, heading, tourId, tour, call.id, { recording_consent: choice === "yes" });
      },
    },
    h(
      "fieldset",
      null,
      h("legend", null, "May the realtor record this tour as video and audio? The recording is transcribed and summarised for you both, and its highlights show a still of each moment."),
      h("label", null, h("input", { type: "radio", name: "consent", value: "yes", required: true }), " Yes, it may be recorded (video and audio)"),
      h("label", null, h("input", { type: "radio", name: "consent", value: "no" }), " No recording"),
    ),
    h("button", { type: "submit" }, "Join the tour"),
  );
  main.replaceChildren(heading, form);
}

async function joinRoom(
  main: HTMLElement,
  heading: HTMLElement,
  tourId: string,
  tour: Tour,
  callId: string,
  body: Record<string, unknown>,
): Promise<void> {
  const isRealtor = currentUser().role === "realtor";
  const prefix = `/${side()}`;
  const status = h("div", { "aria-live": "polite" });
  main.replaceChildren(heading, status);
  setMessage(status, "Joining…");
  let joined: api.Resource<Joined>;
  try {
    joined = await api.request<Joined>("POST", `${prefix}/calls/${callId}/join`, body);
  } catch (error) {
    setMessage(status, explain(error), "error");
    main.append(h("p", null, link(`/tours/${tourId}`, "Back to the tour")));
    return;
  }
  const { meeting, attendee } = joined.attributes;
  const media = api.appConfig().chimeMedia;
  const logger = new ConsoleLogger("tour-room", LogLevel.WARN);
  // The join payload goes to the SDK untouched: Chime's own Meeting and Attendee objects.
  const configuration = new MeetingSessionConfiguration(meeting, attendee);
  window.rfyRoom = {
    meetingId: configuration.meetingId,
    attendeeId: configuration.credentials?.attendeeId ?? null,
    audioHostUrl: configuration.urls?.audioHostURL ?? null,
    media: media ? "chime" : "preview-only",
  };
  const devices = new DefaultDeviceController(logger);
  const session = media ? new DefaultMeetingSession(configuration, logger, devices) : null;

  const selfView = h("video", { class: "self", muted: true, autoplay: true, playsInline: true, "aria-label": "Your camera" });
  const remoteView = h("video", { class: "remote", autoplay: true, playsInline: true, "aria-label": isRealtor ? "The buyer's video" : "The realtor's video" });
  const audioOut = h("audio", { autoplay: true });
  const recordingBadge = h("p", { class: "recording-indicator", role: "status", hidden: true }, "● Recording");
  const cameraSelect = h("select", { name: "camera" });
  const micSelect = h("select", { name: "microphone" });
  let muted = false;
  const muteButton = h("button", { type: "button", "aria-pressed": "false" }, "Mute microphone");
  let micStream: MediaStream | undefined;

  const notice = media
    ? null
    : message("No Chime media locally: the local stack creates meetings without audio or video, so you see only your own camera preview here. Everything else works.", "status");

  const startCamera = async () => {
    if (!cameraSelect.value) return;
    await devices.startVideoInput(cameraSelect.value);
    if (session) {
      await session.audioVideo.startVideoInput(cameraSelect.value);
      session.audioVideo.startLocalVideoTile();
    } else devices.startVideoPreviewForVideoInput(selfView);
  };
  const startMicrophone = async () => {
    if (!micSelect.value) return;
    if (session) await session.audioVideo.startAudioInput(micSelect.value);
    else micStream = await devices.startAudioInput(micSelect.value);
  };
  cameraSelect.addEventListener("change", () => void startCamera().catch((error) => setMessage(status, explain(error), "error")));
  micSelect.addEventListener("change", () => void startMicrophone().catch((error) => setMessage(status, explain(error), "error")));
  muteButton.addEventListener("click", () => {
    muted = !muted;
    if (session) {
      if (muted) session.audioVideo.realtimeMuteLocalAudio();
      else session.audioVideo.realtimeUnmuteLocalAudio();
    } else micStream?.getAudioTracks().forEach((track) => (track.enabled = !muted));
    muteButton.setAttribute("aria-pressed", String(muted));
    muteButton.textContent = muted ? "Unmute microphone" : "Mute microphone";
  });

  // ---------------------------------------------------------------- notes
  const startedAt = joined.attributes.started_at ? new Date(joined.attributes.started_at).getTime() : Date.now();
  const notes = h("ol", { class: "notes", "aria-label": "Notes so far" });
  const showNote = (note: Note) => notes.append(h("li", null, note.timestamp_ms !== null ? h("span", { class: "time" }, clockTime(note.timestamp_ms)) : "", ` ${note.content}`));
  (tour.notes ?? []).forEach(showNote);
  const noteInput = h("textarea", { name: "content", rows: 2, required: true, maxLength: 2000 });
  const noteForm = h(
    "form",
    {
      id: "note-form",
      onSubmit: async (event: Event) => {
        event.preventDefault();
        try {
          const note = await api.request<Note>("POST", `${prefix}/tours/${tourId}/notes`, {
            content: noteInput.value,
            timestamp_ms: Math.max(0, Date.now() - startedAt),
          });
          showNote(note.attributes);
          noteInput.value = "";
          setMessage(status, "Note saved.");
        } catch (error) {
          setMessage(status, explain(error), "error");
        }
      },
    },
    field("Note", noteInput, "Saved with the time into the tour."),
    h("button", { type: "submit" }, "Add note"),
  );

  // ---------------------------------------------------------------- call state, recording, end
  let polling: number | undefined;
  let left = false;
  const recordButton = h("button", { type: "button" }, "Start recording");
  const endButton = h("button", { type: "button", class: "danger" }, "End the tour for everyone");
  const leaveButton = h("button", { type: "button" }, "Leave");
  const showCall = (call: { status: string; recording_status: string | null }) => {
    const recording = call.recording_status === "recording";
    recordingBadge.hidden = !recording;
    recordButton.textContent = recording ? "Stop recording" : "Start recording";
    recordButton.dataset.recording = String(recording);
    if (call.status === "ended") ended();
  };
  const poll = async () => {
    try {
      const call = await api.request<Call>("GET", `${prefix}/calls/${callId}`);
      showCall(call.attributes);
    } catch {
      // The next tick tries again.
    }
    if (!left) polling = window.setTimeout(() => void poll(), 3000);
  };
  recordButton.addEventListener("click", async () => {
    const action = recordButton.dataset.recording === "true" ? "stop" : "start";
    try {
      const call = await api.request<Call>("POST", `/realtors/calls/${callId}/record`, { action });
      showCall(call.attributes);
      setMessage(status, action === "start" ? "Recording started." : "Recording stopped.");
    } catch (error) {
      setMessage(status, explain(error), "error");
    }
  });
  endButton.addEventListener("click", async () => {
    if (!window.confirm("End the tour for everyone?")) return;
    try {
      await api.request("POST", `/realtors/calls/${callId}/end`);
      ended();
    } catch (error) {
      setMessage(status, explain(error), "error");
    }
  });
  const stopMedia = async () => {
    left = true;
    window.clearTimeout(polling);
    if (session) {
      session.audioVideo.stop();
      await session.audioVideo.stopVideoInput();
      await session.audioVideo.stopAudioInput();
    }
    devices.stopVideoPreviewForVideoInput(selfView);
    await devices.stopVideoInput();
    await devices.stopAudioInput();
    await devices.destroy();
    activeRoom = null;
  };
  activeRoom = { close: stopMedia };
  leaveButton.addEventListener("click", async () => {
    await stopMedia();
    try {
      await api.request("POST", `${prefix}/calls/${callId}/leave`);
    } catch {
      // Leaving locally is what matters; the meeting drops an absent attendee by itself.
    }
    main.replaceChildren(
      heading,
      message("You left the tour room.", "status"),
      h("button", { type: "button", onClick: () => navigate(`/tours/${tourId}/room`, true) }, "Rejoin"),
      " ",
      link(`/tours/${tourId}`, "Back to the tour"),
    );
    main.querySelector("button")?.focus();
  });
  let over = false;
  function ended(): void {
    if (over) return;
    over = true;
    void stopMedia();
    main.replaceChildren(
      heading,
      h("p", { role: "status", "data-room": "ended" }, "The tour has ended. The recording (if any) is processed next."),
      link(`/tours/${tourId}/results`, "See the tour results", { class: "button" }),
    );
  }

  const controls = h("div", { class: "actions" }, muteButton, isRealtor && recordButton, isRealtor && endButton, leaveButton);
  main.replaceChildren(
    heading,
    notice ?? "",
    recordingBadge,
    status,
    h("div", { class: "videos" }, h("figure", null, remoteView, h("figcaption", null, isRealtor ? "Buyer" : "Realtor")), h("figure", null, selfView, h("figcaption", null, "You"))),
    audioOut,
    h("div", { class: "devices" }, field("Camera", cameraSelect), field("Microphone", micSelect)),
    controls,
    h("section", { "aria-labelledby": "room-notes" }, h("h2", { id: "room-notes" }, "Notes"), notes, noteForm),
  );
  main.dataset.room = "joined";
  showCall(joined.attributes);
  void poll();

  // Devices: labels appear once permission is granted, which starting an input asks for.
  try {
    const [cameras, microphones] = await Promise.all([devices.listVideoInputDevices(), devices.listAudioInputDevices()]);
    cameraSelect.replaceChildren(...cameras.map((device, index) => h("option", { value: device.deviceId }, device.label || `Camera ${index + 1}`)));
    micSelect.replaceChildren(...microphones.map((device, index) => h("option", { value: device.deviceId }, device.label || `Microphone ${index + 1}`)));
    if (session) {
      session.audioVideo.addObserver({
        videoTileDidUpdate: (tile: VideoTileState) => {
          if (!tile.tileId) return;
          session.audioVideo.bindVideoElement(tile.tileId, tile.localTile ? selfView : remoteView);
        },
      });
      await session.audioVideo.bindAudioElement(audioOut);
    }
    await startMicrophone();
    await startCamera();
    session?.audioVideo.start();
    setMessage(status, media ? "Connected." : "Joined. Your camera preview is on.");
    main.dataset.camera = "on";
  } catch (error) {
    setMessage(status, `Camera or microphone unavailable: ${explain(error)}`, "error");
  }
}
