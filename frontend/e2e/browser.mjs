// Debian's Chromium with the flags this machine needs (no sandbox as root, no background networking);
// playwright-core never downloads a browser.
import { chromium } from "playwright-core";

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic"];

export const launchChromium = () => chromium.launch({ executablePath: "/usr/bin/chromium", args: FLAGS });

// Collects the page's Content-Security-Policy violations (a policy too strict for the app shows up here).
export async function watchPolicy(page) {
  const violations = [];
  await page.exposeFunction("reportViolation", (text) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      window.reportViolation(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return violations;
}
