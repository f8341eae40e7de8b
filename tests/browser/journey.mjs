// The whole journey with two browser contexts: a realtor lists a home with a photo, a new buyer signs
// up and books it, the realtor confirms and starts the tour, both join (the Chime SDK's
// MeetingSessionConfiguration built from the join payload), consent, record, notes, end, and the
// results page shows transcript, highlights and summary; clicking a highlight moves the player; a question
// about the tour is answered, its cited moments seeking the player too.
import { at, check, go, launch, newPage, run, shot, signIn, until } from "./browser.mjs";

const PHOTO = process.env.PHOTO;
const stamp = Date.now().toString(36);
const address = `${stamp} Browser Way`;
const buyerEmail = `buyer-${stamp}@example.com`;
const buyerPassword = "Browser-Pass-2026!";

async function joinedRoom(page, tourPath) {
  const joined = page.waitForResponse((response) => /\/calls\/[^/]+\/join$/.test(new URL(response.url()).pathname) && response.request().method() === "POST");
  return joined;
}

await run(async () => {
  const browser = await launch();
  const realtor = await newPage(browser, "realtor");
  const buyer = await newPage(browser, "buyer");

  // Realtor: sign in, list a home, upload a photo (presigned POST to storage, progress shown).
  await signIn(realtor, "realtor@example.com");
  await at(realtor, "/manage");
  await shot(realtor, "realtor-listings");
  await realtor.getByRole("link", { name: "Add a listing" }).click();
  await at(realtor, "/manage/new");
  await realtor.getByLabel("Address").fill(address);
  await realtor.getByLabel("City").fill("Springfield");
  await realtor.getByLabel("Price (USD)").fill("512000");
  await realtor.getByLabel("Bedrooms").fill("3");
  await realtor.getByLabel("Bathrooms").fill("2");
  await realtor.getByLabel("Square feet").fill("1700");
  await realtor.getByLabel("Description").fill("A listing created by the browser tests.");
  await realtor.getByRole("button", { name: "Create listing" }).click();
  await realtor.locator("#photo-form").waitFor();
  await realtor.getByLabel("Add a photo").setInputFiles(PHOTO);
  await realtor.getByRole("button", { name: "Upload photo" }).click();
  await realtor.getByText("Photo ready.").waitFor();
  const progress = await realtor.locator("progress").evaluate((element) => element.value);
  check(progress === 100, `upload progress reached 100 (was ${progress})`);
  await realtor.locator('.photos li[data-image-status="ready"] img').waitFor();
  await shot(realtor, "realtor-edit-listing");

  // Buyer: sign up, confirm (the local pool accepts any code), sign in, find the listing, book it.
  await go(buyer, "/signup");
  await buyer.getByLabel("Full name").fill("Browser Buyer");
  await buyer.getByLabel("Email").fill(buyerEmail);
  await buyer.getByLabel("Password").fill(buyerPassword);
  await buyer.getByLabel("a buyer").check();
  await buyer.getByRole("button", { name: "Create account" }).click();
  await at(buyer, "/confirm");
  await buyer.getByLabel("Confirmation code").fill("123456");
  await buyer.getByRole("button", { name: "Confirm" }).click();
  await at(buyer, "/signin");
  await signIn(buyer, buyerEmail, buyerPassword);
  await at(buyer, "/listings");
  await buyer.getByLabel("City").fill("Springfield");
  await buyer.getByRole("button", { name: "Search" }).click();
  await at(buyer, "/listings");
  await shot(buyer, "buyer-listings");
  await buyer.getByRole("link", { name: address }).click();
  await buyer.getByRole("heading", { level: 1, name: address }).waitFor();
  await buyer.locator("img.hero").waitFor();
  // Free slots, grouped by day in the listing's zone. The test stack allows booking without lead
  // time, so the first slot is the next quarter hour and the realtor can start a tour from 15 minutes
  // before it. Close to a quarter hour, wait for it to pass, so every step below happens before it.
  await until(buyer, () => Date.now(), (now) => now % (15 * 60_000) < 14.25 * 60_000, "a moment not just before a quarter hour", 50_000);
  await buyer.reload();
  await buyer.getByLabel("Length").selectOption("30");
  await buyer.locator("details.slot-day").first().waitFor();
  // Each day is folded but the first: unfold them all, as a buyer would near midnight.
  await buyer.evaluate(() => document.querySelectorAll("details.slot-day").forEach((day) => (day.open = true)));
  const slots = buyer.locator("button.slot");
  await slots.nth(1).waitFor();
  const [soonest, later] = [await slots.nth(0).getAttribute("data-start"), await slots.nth(1).getAttribute("data-start")];
  check(Date.parse(soonest) - Date.now() <= 15 * 60_000, `the first free slot is the next quarter hour (${soonest})`);
  check((await buyer.getByText(/Times are the listing's local time \(/).count()) === 1, "the slots say which zone they are in");
  await shot(buyer, "buyer-listing");
  // Book the second slot; the realtor will propose the first one and the buyer will accept it.
  await slots.nth(1).click();
  await at(buyer, "/bookings");
  await buyer.locator('[data-status="pending"]', { hasText: address }).waitFor();
  await shot(buyer, "buyer-bookings");

  // Realtor: confirm the request, start the tour, join the room.
  await go(realtor, "/requests");
  const request = realtor.locator("li.card", { hasText: address });
  await request.getByRole("button", { name: "Confirm" }).click();
  await realtor.getByText("Confirmed: the tour is scheduled.").waitFor();

  // Realtor proposes the sooner time for the confirmed tour; the buyer accepts it.
  await go(realtor, "/requests?status=confirmed");
  const confirmed = realtor.locator("li.card", { hasText: address });
  await confirmed.getByText("Propose a new time").click();
  const proposedLocal = await realtor.evaluate((iso) => {
    const date = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }, soonest);
  await confirmed.getByLabel("Proposed date and time").fill(proposedLocal);
  await confirmed.getByLabel("Message for the buyer (optional)").fill("Could we start a little earlier?");
  await shot(realtor, "realtor-propose");
  await confirmed.getByRole("button", { name: "Send the proposal" }).click();
  await realtor.getByText("Proposed: the buyer can accept or decline the new time.").waitFor();
  await go(buyer, "/bookings");
  const booked = buyer.locator("li.card", { hasText: address });
  await booked.locator(".proposal", { hasText: "Could we start a little earlier?" }).waitFor();
  await shot(buyer, "buyer-proposal");
  await booked.getByRole("button", { name: "Accept the new time" }).click();
  await buyer.getByText("Accepted: the tour moved to the new time.").waitFor();
  await buyer.locator('li[data-status="confirmed"]', { hasText: address }).locator('[data-proposal-status="accepted"]').waitFor({ state: "attached" });
  await go(realtor, "/tours");
  await shot(realtor, "realtor-tours");
  await realtor.getByRole("link", { name: address }).click();
  await realtor.getByRole("button", { name: "Start the tour" }).click();
  const realtorJoin = joinedRoom(realtor);
  await realtor.locator('#main[data-room="joined"]').waitFor();
  const realtorPayload = (await (await realtorJoin).json()).data.attributes;
  const realtorSession = await realtor.evaluate(() => window.rfyRoom);
  check(realtorSession.meetingId === realtorPayload.meeting.MeetingId, "the SDK's meeting id is the join payload's");
  check(realtorSession.attendeeId === realtorPayload.attendee.AttendeeId, "the SDK's attendee id is the join payload's");
  check(realtorSession.audioHostUrl === realtorPayload.meeting.MediaPlacement.AudioHostUrl, "the SDK's audio host is the join payload's");
  await realtor.getByText("No Chime media locally").waitFor();
  await realtor.locator('#main[data-camera="on"]').waitFor();
  await until(realtor, () => document.querySelector("video.self")?.videoWidth ?? 0, (width) => width > 0, "the camera preview");

  // Buyer: join from the tour page, consent to recording.
  await go(buyer, "/tours");
  await buyer.getByRole("link", { name: address }).click();
  await buyer.getByRole("link", { name: "Join the tour room" }).click();
  await buyer.getByLabel("Yes, it may be recorded").check();
  await shot(buyer, "buyer-consent");
  const buyerJoin = joinedRoom(buyer);
  await buyer.getByRole("button", { name: "Join the tour" }).click();
  await buyer.locator('#main[data-room="joined"]').waitFor();
  const buyerPayload = (await (await buyerJoin).json()).data.attributes;
  const buyerSession = await buyer.evaluate(() => window.rfyRoom);
  check(buyerSession.meetingId === buyerPayload.meeting.MeetingId && buyerSession.meetingId === realtorSession.meetingId, "both are in the same meeting");
  check(buyerSession.attendeeId === buyerPayload.attendee.AttendeeId, "the buyer's attendee id is the join payload's");

  // Realtor records; both see the indicator. Each takes a note.
  await realtor.getByRole("button", { name: "Start recording" }).click();
  await realtor.locator(".recording-indicator:not([hidden])").waitFor();
  await buyer.locator(".recording-indicator:not([hidden])").waitFor();
  await realtor.getByLabel("Note", { exact: true }).fill("The kitchen is bigger than in the photos.");
  await realtor.getByRole("button", { name: "Add note" }).click();
  await realtor.locator(".notes li", { hasText: "kitchen is bigger" }).waitFor();
  await buyer.getByLabel("Note", { exact: true }).fill("Ask about the roof.");
  await buyer.getByRole("button", { name: "Add note" }).click();
  await buyer.locator(".notes li", { hasText: "Ask about the roof" }).waitFor();
  await shot(realtor, "realtor-room");
  await shot(buyer, "buyer-room");

  // Realtor ends the tour for everyone; the buyer's room notices.
  await realtor.getByRole("button", { name: "End the tour for everyone" }).click();
  await realtor.locator('[data-room="ended"]').waitFor();
  await buyer.locator('[data-room="ended"]').waitFor();

  // Results: processing runs on the local stack's sample recording; the page updates by itself.
  await realtor.getByRole("link", { name: "See the tour results" }).click();
  await realtor.locator('#main[data-results="ready"]').waitFor({ timeout: 150_000 });
  const lines = await realtor.locator(".transcript button.line").count();
  const marks = await realtor.locator("button.highlight").count();
  const cards = await realtor.locator(".summary article").count();
  check(lines > 0, "the transcript has lines");
  // Who said what: the demo's two voices are labelled on the transcript (the realtor opens the tour).
  const firstSpeaker = (await realtor.locator(".transcript button.line .speaker").first().textContent()) ?? "";
  check(/\(realtor\):$/.test(firstSpeaker), `the first line is the realtor's (${firstSpeaker})`);
  check((await realtor.locator(".transcript .speaker.buyer").count()) > 0, "the buyer's lines are labelled");
  check(marks > 0, "there are highlights");
  check(cards === 4, "the summary has its four cards");
  await realtor.locator("#player").evaluate((audio) => new Promise((resolve) => (audio.readyState >= 1 ? resolve() : audio.addEventListener("loadedmetadata", resolve, { once: true }))));
  const target = realtor.locator("button.highlight").nth(marks - 1);
  const ms = Number(await target.getAttribute("data-ms"));
  await target.click();
  await until(realtor, () => document.getElementById("player").currentTime * 1000, (at) => Math.abs(at - ms) < 1500, `the player at ${ms} ms`);
  // The transcript follows the player: the line at that moment is marked.
  await realtor.locator('.transcript button.line[aria-current="true"]').waitFor();
  // Ask the tour: an answer appears (offline, by retrieval over the transcript); a cited moment seeks the player.
  await realtor.getByLabel("Your question").fill("Was there a leak in the basement?");
  await realtor.getByRole("button", { name: "Ask", exact: true }).click();
  await realtor.locator(".answers li.answer").first().waitFor({ timeout: 30_000 });
  const moments = await realtor.locator(".answers li.answer").first().locator("button.moment").count();
  if (moments > 0) {
    const moment = realtor.locator(".answers li.answer").first().locator("button.moment").first();
    const at = Number(await moment.getAttribute("data-ms"));
    await moment.click();
    await until(realtor, () => document.getElementById("player").currentTime * 1000, (now) => Math.abs(now - at) < 1500, `the player at ${at} ms`);
  }
  await realtor.locator("#player").evaluate((audio) => audio.pause());
  await shot(realtor, "realtor-results");

  // The draft follow-up waits on the results page; the realtor sends it, and the sent copy stays.
  await realtor.locator("#follow-up-form").waitFor();
  check((await realtor.getByLabel("Message").inputValue()).startsWith("Hi "), "the draft follow-up greets the buyer");
  await realtor.getByRole("button", { name: "Send to the buyer" }).click();
  await realtor.locator('[data-follow-up="sent"]').waitFor();

  // A moment's link (the summary email's, the listing's interest) opens the results there: ?t=<ms>.
  await realtor.goto(`${realtor.url().split("?")[0]}?t=${ms}`);
  await realtor.locator('#main[data-results="ready"]').waitFor({ timeout: 60_000 });
  await until(realtor, () => Number(document.getElementById("player").dataset.seekedTo ?? -1), (at) => at === ms, `the results opened at ${ms} ms`);
  console.log(`journey: ${lines} transcript lines, ${marks} highlights; seeked to ${ms} ms; the answer cites ${moments} moments; follow-up sent`);
  await browser.close();
});
