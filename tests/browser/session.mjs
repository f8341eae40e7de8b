// The session: tokens in sessionStorage (never localStorage), renewed before they expire, and a 401
// sends the person to sign in and back to the page with what they had typed.
import { at, check, go, launch, newPage, run, shot, signIn, until, DEMO_PASSWORD } from "./browser.mjs";

const session = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem("rfy.session") ?? "null"));

await run(async () => {
  const browser = await launch();
  const buyer = await newPage(browser, "session");
  await signIn(buyer, "buyer@example.com");
  await at(buyer, "/listings");
  check((await buyer.evaluate(() => localStorage.length)) === 0, "nothing is kept in localStorage");
  const first = await session(buyer);
  check(first?.accessToken && first?.refreshToken, "the session holds the tokens");

  // A token about to expire is renewed ahead of time (also after a reload).
  await buyer.evaluate(() => {
    const stored = JSON.parse(sessionStorage.getItem("rfy.session"));
    stored.expiresAt = Date.now() + 5_000;
    sessionStorage.setItem("rfy.session", JSON.stringify(stored));
  });
  await buyer.reload();
  await at(buyer, "/listings");
  const renewed = await until(buyer, () => JSON.parse(sessionStorage.getItem("rfy.session")).expiresAt - Date.now(), (left) => left > 60_000, "the refreshed session");
  check(renewed > 60_000, "the access token was renewed before it expired");

  // The session is revoked elsewhere (here: both tokens replaced): the next call answers 401, the
  // refresh is refused, the person signs in again and finds the notes they were typing.
  await buyer.locator("ul.cards h2 a").first().click();
  await buyer.getByText("Ask for another time").click();
  await buyer.locator("#book-form").waitFor();
  const listingPath = await buyer.evaluate(() => location.pathname);
  // Signed out everywhere (the refresh token is revoked for real), and the access token has expired:
  // the gateway's answer to it is stood in for once, since a real expiry takes an hour.
  await buyer.evaluate(async () => {
    const stored = JSON.parse(sessionStorage.getItem("rfy.session"));
    await fetch("/api/v1/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${stored.accessToken}` } });
  });
  const expired = { success: false, errors: [{ code: "UNAUTHORIZED", message: "The incoming token has expired" }] };
  await buyer.route("**/api/v1/buyers/bookings", (route) => route.fulfill({ status: 401, contentType: "application/json", body: JSON.stringify(expired) }), { times: 1 });
  await buyer.getByLabel("Notes for the realtor").fill("Is the garage heated?");
  await buyer.getByRole("button", { name: "Request a tour" }).click();
  await at(buyer, "/signin");
  await buyer.getByText("Your session ended").waitFor();
  await shot(buyer, "session-ended");
  await buyer.getByLabel("Email").fill("buyer@example.com");
  await buyer.getByLabel("Password").fill(DEMO_PASSWORD);
  await buyer.getByRole("button", { name: "Sign in" }).click();
  await at(buyer, listingPath);
  const notes = await buyer.getByLabel("Notes for the realtor").inputValue();
  check(notes === "Is the garage heated?", `the typed notes survived the sign-in (found ${JSON.stringify(notes)})`);

  // Signing out forgets the session.
  await buyer.getByRole("button", { name: /Sign out/ }).click();
  await at(buyer, "/signin");
  check((await session(buyer)) === null, "signing out clears the session");
  await browser.close();
});
