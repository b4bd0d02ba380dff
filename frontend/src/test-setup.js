import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(cleanup); // Testing Library only cleans up by itself when test globals are on

// jsdom has no media playback: playing resolves at once, as a browser's does once it may play.
window.HTMLMediaElement.prototype.play = function play() {
  this.dispatchEvent(new Event("play"));
  return Promise.resolve();
};
window.HTMLMediaElement.prototype.pause = function pause() {
  this.dispatchEvent(new Event("pause"));
};
