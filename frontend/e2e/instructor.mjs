// The original app's instructor logs in and finds her class plans. Usage: node e2e/instructor.mjs BASE ARTIFACTS
import { mkdirSync } from "node:fs";
import { launchChromium } from "./browser.mjs";

const [base, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
try {
  await page.goto(`${base}/login`);
  await page.getByLabel("Email or username").fill("ana.instructor@example.com");
  await page.getByLabel("Password").fill("teach-the-basics");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL("**/generate");
  await page.getByRole("link", { name: "Class plans" }).click();
  await page.getByRole("link", { name: "Beginner week 1" }).waitFor();
  await page.getByRole("link", { name: "Empty plan" }).waitFor();
  await page.screenshot({ path: `${artifacts}/instructor-plans.png`, fullPage: true });
  await page.getByRole("link", { name: "Beginner week 1" }).click();
  await page.getByText("Practice in pairs").waitFor();
  await page.getByText("Demo").first().waitFor();
  await page.screenshot({ path: `${artifacts}/instructor-plan.png`, fullPage: true });
  console.log("e2e instructor: passed");
} catch (error) {
  await page.screenshot({ path: `${artifacts}/instructor-failure.png`, fullPage: true }).catch(() => {});
  console.error(`e2e instructor: ${error.stack}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
