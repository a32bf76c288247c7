package io.tandem.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.node.testing.OneNodeTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The XR page in a real browser: Debian's chromium driven by playwright-core, with the iwer WebXR
 * emulator ({@code client-web/test/browser/xr.browser.mjs}). Two XR pages in one room: one enters
 * VR and moves its emulated head, the other renders its avatar there; a grab, move and release on
 * one is seen on the other. Screenshots go to {@code target/screenshots/}. Skipped without {@code
 * /usr/bin/chromium}, except under CI ({@code CI=true}), where it fails.
 */
class BrowserXrTest extends OneNodeTest {

  BrowserXrTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void aSecondXrPageRendersTheFirstOnesAvatarAndObjectMoves() throws Exception {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-xr",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", chromium.toString()),
            Duration.ofMinutes(3),
            "test/browser/xr.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String shot : new String[] {"xr-ann-in-vr", "xr-ben-sees-ann", "xr-ben-sees-move"}) {
      assertTrue(Files.size(screenshots.resolve(shot + ".png")) > 0, shot + ".png written");
    }
  }
}
