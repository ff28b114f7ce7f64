/**
 * Where relative paths on a command line start (tools/userDirectory.ts): the directory npm was
 * run in, for our own script only, and paths shown back from there.
 */
import { describe, expect, it } from "vitest";
import { shownPath, userDirectory } from "../tools/userDirectory";

describe("userDirectory", () => {
  const fromNpm = { npm_lifecycle_event: "render", INIT_CWD: "/home/me/work" };

  it("is INIT_CWD when npm started this very script", () => {
    expect(userDirectory("render", fromNpm, "/repo")).toBe("/home/me/work");
  });

  it("is the working directory when npm started another script, or none", () => {
    // INIT_CWD is inherited: a command run from inside another script is not where npm began.
    expect(userDirectory("local:push", fromNpm, "/repo")).toBe("/repo");
    expect(userDirectory("render", { INIT_CWD: "/home/me/work" }, "/repo")).toBe("/repo");
    expect(userDirectory("render", { npm_lifecycle_event: "render", INIT_CWD: "" }, "/repo")).toBe(
      "/repo",
    );
    expect(userDirectory("render", {}, "/home/me")).toBe("/home/me");
  });
});

describe("shownPath", () => {
  it("shows a path below the user's directory from there, any other whole", () => {
    expect(shownPath("/home/me/work/out", "/home/me/work")).toBe("out");
    expect(shownPath("/home/me/work", "/home/me/work")).toBe(".");
    expect(shownPath("/tmp/out", "/home/me/work")).toBe("/tmp/out");
    expect(shownPath("/home/me/other", "/home/me/work")).toBe("/home/me/other");
    expect(shownPath("/home/me/work/..hidden", "/home/me/work")).toBe("..hidden");
  });

  it("escapes what a terminal would not show as itself", () => {
    expect(shownPath("/home/me/work/out\u202Efdp.txt", "/home/me/work")).toBe("out\\u202Efdp.txt");
    expect(shownPath("/tmp/a\tb", "/home/me/work")).toBe("/tmp/a\\u0009b");
  });
});
