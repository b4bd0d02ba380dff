// End to end in Debian's Chromium: register → upload a song → generate → watch and practise → save → find
// in the collection → delete. Usage: node e2e/flow.mjs BASE_URL SONG_FILE ARTIFACT_DIR WIDTHxHEIGHT
import { mkdirSync } from "node:fs";
import { launchChromium, watchPolicy } from "./browser.mjs";

const [base, songFile, artifacts, size = "1280x800"] = process.argv.slice(2);
const [width, height] = size.split("x").map(Number);

mkdirSync(artifacts, { recursive: true });
const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width, height } });
const page = await context.newPage();
const shot = (name) => page.screenshot({ path: `${artifacts}/${size}-${name}.png`, fullPage: true });
const expect = (condition, what) => { if (!condition) throw new Error(`expected: ${what}`); };

const violations = await watchPolicy(page);

try {
  // A visitor first reads what the app does, then finds the way in.
  await page.goto(`${base}/`);
  await page.getByRole("heading", { name: /turns your song into a bachata partner-dance video/ }).waitFor();
  expect(await page.getByRole("img", { name: /A practice video/ }).isVisible(), "a picture of a result");
  await shot("landing");
  await page.getByRole("link", { name: "Log in" }).click();
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
  await page.getByRole("status").filter({ hasText: /Uploaded “e2e-groove · 0:40”/ }).waitFor();
  expect(await page.locator("#song option:checked").textContent() === "e2e-groove · 0:40", "the song list shows the length");

  // Described in words: what was understood fills the form, what was not is said.
  await page.getByLabel("Or describe the dance in words").fill("a sensual slow dance with a hammerlock, por favor zumba");
  await page.getByRole("button", { name: "Understand my request" }).click();
  const reading = await page.getByTestId("reading").textContent();
  expect(reading.includes("I understood: sensual style") && reading.includes("I could not use:") && reading.includes("zumba"), `the reading (${reading})`);
  expect(await page.getByLabel("Style").inputValue() === "sensual", "the understood style in the form");
  await page.getByLabel("Style").selectOption("romantic");
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
  const facts = await page.getByTestId("render-facts").textContent();
  expect(facts.includes("e2e-groove") && facts.includes("BPM") && facts.includes("beginner") && facts.includes("romantic"), `what was used (${facts})`);
  await shot("result");

  // Regenerate: the old video goes at once, the new task's comes when it is done.
  const firstTask = page.url();
  await page.getByRole("button", { name: "Regenerate" }).click();
  await page.waitForURL((url) => url.href !== firstTask && url.pathname.startsWith("/tasks/"));
  const secondTask = page.url().split("/tasks/")[1];
  expect(!(await page.getByTestId("video").isVisible()) || (await video.getAttribute("src")).includes(secondTask), "no old video under the new task");
  await page.waitForFunction((id) => document.querySelector("video")?.getAttribute("src")?.includes(id), secondTask, { timeout: 240_000 });

  // Every render can be found again.
  await page.getByRole("link", { name: "My renders" }).click();
  await page.getByTestId("renders").waitFor();
  expect(await page.getByTestId("renders").getByRole("link").count() === 2, "both renders listed");
  await shot("renders");
  await page.getByTestId("renders").getByRole("link").first().click();
  await page.getByTestId("video").waitFor();

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

  // Signing out in one tab signs out the other, which goes back to the login page.
  const other = await context.newPage();
  await other.goto(`${base}/collection`);
  await other.getByRole("heading", { name: "Your collection" }).waitFor();
  await page.getByRole("button", { name: "Log out" }).click();
  await other.getByRole("heading", { name: "Log in" }).waitFor({ timeout: 10_000 });
  expect(violations.length === 0, `no Content-Security-Policy violations (${violations.join("; ")})`);
  console.log(`e2e ${size}: passed`);
} catch (error) {
  await shot("failure").catch(() => {});
  console.error(`e2e ${size}: ${error.stack}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
