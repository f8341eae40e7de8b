// axe-core on every main page, signed out, as a buyer and as a realtor: no serious or critical
// violation. Each page is also photographed under build/screenshots/.
import { at, axe, go, launch, newPage, run, shot, signIn } from "./browser.mjs";

await run(async () => {
  const browser = await launch();
  const failures = [];
  const audit = async (page, path, name) => {
    await go(page, path);
    const violations = await axe(page);
    for (const violation of violations) failures.push({ page: path, ...violation });
    await shot(page, name);
  };

  const visitor = await newPage(browser, "visitor");
  await audit(visitor, "/signin", "signin");
  await audit(visitor, "/signup", "signup");
  await audit(visitor, "/reset", "reset");

  const buyer = await newPage(browser, "buyer");
  await signIn(buyer, "buyer@example.com");
  await at(buyer, "/listings");
  await audit(buyer, "/listings", "a11y-buyer-listings");
  const first = await buyer.locator("ul.cards h2 a").first().getAttribute("href");
  await audit(buyer, first, "a11y-buyer-listing");
  await audit(buyer, "/bookings", "a11y-buyer-bookings");
  await audit(buyer, "/tours", "a11y-buyer-tours");
  await audit(buyer, "/settings", "a11y-buyer-settings");

  const realtor = await newPage(browser, "realtor");
  await signIn(realtor, "realtor@example.com");
  await audit(realtor, "/manage", "a11y-realtor-listings");
  const listing = await realtor.locator("ul.cards h2 a").first().getAttribute("href");
  await audit(realtor, listing, "a11y-realtor-edit-listing");
  await audit(realtor, "/manage/new", "a11y-realtor-new-listing");
  await audit(realtor, "/requests", "a11y-realtor-requests");
  await audit(realtor, "/tours", "a11y-realtor-tours");
  await audit(realtor, "/billing", "a11y-realtor-billing");
  await audit(realtor, "/availability", "a11y-realtor-availability");
  await audit(realtor, "/settings", "a11y-realtor-settings");
  // A 422 shows beside its field: a closed range (end before start) and an unknown time zone.
  await go(realtor, "/availability");
  await realtor.getByLabel("Time zone").fill("Not/AZone");
  await realtor.getByRole("button", { name: "Save availability" }).click();
  await realtor.locator('[data-field="time_zone"] .field-error').waitFor();
  await shot(realtor, "a11y-realtor-availability-error");
  const errorViolations = await axe(realtor);
  for (const violation of errorViolations) failures.push({ page: "/availability (errors)", ...violation });

  // Keyboard: the first Tab reaches the skip link, which moves to the page's content.
  await go(buyer, "/listings");
  await buyer.keyboard.press("Tab");
  const focused = await buyer.evaluate(() => document.activeElement?.textContent);
  if (focused !== "Skip to content") failures.push({ page: "/listings", id: "keyboard", help: `first Tab focused ${focused}` });

  await browser.close();
  if (failures.length) throw new Error(`accessibility violations:\n${JSON.stringify(failures, null, 2)}`);
});
