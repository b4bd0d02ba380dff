// Staff make a dancer an instructor from the Accounts page; the dancer then finds class plans.
// Usage: node e2e/staff.mjs BASE ARTIFACTS STAFF_EMAIL STAFF_PASSWORD DANCER_EMAIL DANCER_PASSWORD
import { mkdirSync } from "node:fs";
import { launchChromium } from "./browser.mjs";

const [base, artifacts, staffEmail, staffPassword, dancerEmail, dancerPassword] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await launchChromium();

async function signedIn(email, password) {
  const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("Email or username").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL("**/generate");
  return page;
}

let page;
try {
  const dancer = await signedIn(dancerEmail, dancerPassword);
  if (await dancer.getByRole("link", { name: "Class plans" }).count()) throw new Error("a dancer already sees class plans");
  if (await dancer.getByRole("link", { name: "Accounts" }).count()) throw new Error("a dancer sees the staff page");

  page = await signedIn(staffEmail, staffPassword);
  await page.getByRole("link", { name: "Accounts" }).click();
  await page.getByLabel("Find by email or name").fill(dancerEmail);
  const row = page.getByTestId("accounts").getByRole("listitem").filter({ hasText: dancerEmail });
  await row.getByLabel("Instructor").check();
  await page.waitForFunction(() => document.querySelector("[data-testid=accounts] input[type=checkbox]")?.checked);
  await page.screenshot({ path: `${artifacts}/staff-accounts.png`, fullPage: true });

  await dancer.reload();
  await dancer.getByRole("link", { name: "Class plans" }).click();
  await dancer.waitForURL("**/class-plans");
  console.log("e2e staff: passed");
} catch (error) {
  await page?.screenshot({ path: `${artifacts}/staff-failure.png`, fullPage: true }).catch(() => {});
  console.error(`e2e staff: ${error.stack}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
