// End to end in Debian's Chromium: register → upload a song → generate → watch and practise → save → find
// in the collection → delete. Usage: node e2e/flow.mjs BASE_URL SONG_FILE ARTIFACT_DIR WIDTHxHEIGHT
import { mkdirSync } from "node:fs";
import { launchChromium, watchPolicy } from "./browser.mjs";

const [base, songFile, artifacts, size = "1280x800"] = process.argv.slice(2);
const [width, height] = size.split("x").map(Number);

mkdirSync(artifacts, { recursive: true });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width, height } });
const shot = (name) => page.screenshot({ path: `${artifacts}/${size}-${name}.png`, fullPage: true });
const expect = (condition, what) => { if (!condition) throw new Error(`expected: ${what}`); };

const violations = await watchPolicy(page);

try {
  await page.goto(`${base}/login`);
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await shot("login");
  await page.goto(`${base}/register`);
  await shot("register");
  await page.getByLabel("Display name").fill("E2E Dancer");
  await page.getByLabel("Email").fill(`e2e-${Date.now()}-${width}@example.com`);
  await page.getByLabel("Password").fill("steps-on-the-one-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL("**/generate");

  // Saving by hand is part of the flow, so turn auto-save off first.
  await page.getByRole("link", { name: "Profile" }).click();
  await page.getByLabel("Save new choreographies to my collection automatically").uncheck();
  await page.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  // A new password: this tab keeps going on the tokens it gets back (the rest of the flow proves it).
  await page.getByLabel("Current password").fill("steps-on-the-one-1");
  await page.getByLabel("New password").fill("steps-on-the-two-2");
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByRole("status").filter({ hasText: "Password changed" }).waitFor();
  await shot("profile");
  await page.getByRole("link", { name: "Generate" }).click();

  await page.locator("#song-file").setInputFiles(songFile);
  await page.waitForFunction(() => document.querySelector("#song")?.value.startsWith("uploads/"));
  await page.getByLabel("Difficulty").selectOption("beginner");
  await shot("generate");
  await page.getByRole("button", { name: "Generate", exact: true }).click();
  await page.waitForURL("**/tasks/**");
  await page.getByRole("progressbar").waitFor();
  await shot("progress");

  const video = page.getByTestId("video");
  await video.waitFor({ timeout: 240_000 });
  await page.evaluate(() => { const v = document.querySelector("video"); v.muted = true; return v.play(); });
  await page.waitForFunction(() => document.querySelector("video").currentTime > 0.5, null, { timeout: 30_000 });
  await page.getByTestId("move-block").first().waitFor();

  await page.getByLabel("Speed").selectOption("0.5");
  expect(await video.evaluate((v) => v.playbackRate) === 0.5, "speed 0.5 on the video element");
  await page.getByRole("button", { name: "Mirror" }).click();
  expect(await video.evaluate((v) => v.style.transform) === "scaleX(-1)", "the video mirrored");
  const controls = page.getByTestId("controls");
  expect(await controls.evaluate((c) => getComputedStyle(c).transform) === "none", "the controls not mirrored");
  const [playBox, clockBox] = [await controls.getByRole("button").first().boundingBox(), await page.getByTestId("clock").boundingBox()];
  expect(playBox.x < clockBox.x, "the play button still on the left of the clock");

  // A tapped move loops exactly its counts, named by move and count, not seconds.
  const firstMove = page.getByTestId("move-block").first();
  const moveName = (await firstMove.getAttribute("aria-label")).replace(/^Loop /, "");
  await firstMove.click();
  expect(await page.getByRole("button", { name: "Looping" }).getAttribute("aria-pressed") === "true", "loop on");
  const range = await page.getByTestId("loop-range").textContent();
  expect(range.startsWith(`${moveName}, count 1`) && range.includes("count 8"), `the loop named by counts (${range})`);
  if (width < 640) {
    expect(await firstMove.getAttribute("title") === moveName, "on the phone the full move name is one tap/hover away");
  }

  // Shortcuts, never while typing.
  await page.keyboard.press("m");
  expect(await video.evaluate((v) => v.style.transform) === "none", "M toggles the mirror");
  await page.keyboard.press("]");
  expect(await video.evaluate((v) => v.playbackRate) === 0.75, "] is faster");
  await page.getByLabel("Title").focus();
  await page.keyboard.press("m");
  expect(await video.evaluate((v) => v.style.transform) === "none", "no shortcut while typing");

  // Fullscreen takes the player's frame, so the counts stay on screen.
  await page.getByRole("button", { name: "Full screen" }).click();
  await page.waitForFunction(() => document.fullscreenElement?.dataset.testid === "player-frame");
  expect(await page.getByTestId("count").isVisible(), "counts visible in fullscreen");
  await page.evaluate(() => document.exitFullscreen());
  expect(await page.getByRole("button", { name: "Regenerate" }).isVisible(), "a regenerate button");
  await shot("result");

  await page.getByLabel("Title").fill("E2E choreography");
  await page.getByRole("button", { name: "Save to collection" }).click();
  await page.getByRole("status").filter({ hasText: "collection" }).waitFor();
  await page.getByRole("link", { name: "Collection", exact: true }).click();
  await page.getByRole("link", { name: "E2E choreography" }).waitFor();
  await shot("collection");

  await page.getByRole("link", { name: "E2E choreography" }).click();
  await page.getByTestId("video").waitFor();
  await shot("saved");
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.waitForURL("**/collection");
  await page.getByText("Nothing here yet").waitFor();
  await shot("collection-empty");

  // The uploaded song can go too, freeing its room in the dancer's storage.
  await page.getByRole("link", { name: "Generate" }).click();
  const uploaded = await page.locator("#song option").filter({ hasText: "e2e-groove" }).getAttribute("value");
  await page.locator("#song").selectOption(uploaded);
  page.once("dialog", (dialog) => dialog.accept());
  await page.getByRole("button", { name: "Delete this song" }).click();
  await page.waitForFunction((id) => ![...document.querySelectorAll("#song option")].some((o) => o.value === id), uploaded);
  expect(violations.length === 0, `no Content-Security-Policy violations (${violations.join("; ")})`);
  console.log(`e2e ${size}: passed`);
} catch (error) {
  await shot("failure").catch(() => {});
  console.error(`e2e ${size}: ${error.stack}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
