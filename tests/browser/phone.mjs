// The booking flow at phone width (390 x 844): browse, open a listing, book, see it, cancel it;
// no page scrolls sideways.
import { at, check, go, launch, newPage, run, shot, signIn } from "./browser.mjs";

async function fitsTheScreen(page, name) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `${name} fits the phone's width (overflows by ${overflow} px)`);
}

await run(async () => {
  const browser = await launch();
  const buyer = await newPage(browser, "phone", { width: 390, height: 844 });
  await signIn(buyer, "buyer@example.com");
  await at(buyer, "/listings");
  await fitsTheScreen(buyer, "listings");
  await shot(buyer, "phone-listings");
  const card = buyer.locator("ul.cards li").first();
  const address = await card.locator("h2 a").innerText();
  await card.locator("h2 a").click();
  await buyer.getByRole("heading", { level: 1, name: address }).waitFor();
  await fitsTheScreen(buyer, "listing");
  await buyer.getByLabel("Notes for the realtor").fill("Booked from a phone.");
  await buyer.locator("button.slot").first().waitFor();
  await buyer.evaluate(() => document.querySelectorAll("details.slot-day").forEach((day) => (day.open = true)));
  await fitsTheScreen(buyer, "listing with its free slots");
  await shot(buyer, "phone-listing");
  // Later than the journey's slots, so the two scenarios never want the same time.
  await buyer.locator("button.slot").nth(12).click();
  await at(buyer, "/bookings");
  const booking = buyer.locator('li[data-status="pending"]', { hasText: address });
  await booking.waitFor();
  await fitsTheScreen(buyer, "bookings");
  await shot(buyer, "phone-bookings");
  await booking.getByRole("button", { name: "Cancel booking" }).click();
  await buyer.getByText("Booking cancelled.").waitFor();
  await buyer.locator('li[data-status="cancelled"]', { hasText: address }).waitFor();
  await go(buyer, "/tours");
  await fitsTheScreen(buyer, "tours");
  await go(buyer, "/settings");
  await fitsTheScreen(buyer, "settings");
  await shot(buyer, "phone-settings");
  await browser.close();
});
