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
 * Every page at a phone's size (390 x 844) in a real browser: Debian's chromium driven by
 * playwright-core ({@code client-web/test/browser/phone.browser.mjs}). Landing (signed out and in),
 * room, XR, record (idle and recording), watch, replay (a recording and a room) and point cloud:
 * none scrolls sideways, and each one's key controls are on the screen at usable sizes. Screenshots
 * go to {@code target/screenshots/phone-*.png}. Skipped without {@code /usr/bin/chromium}, except
 * under CI ({@code CI=true}), where it fails.
 */
class BrowserPhoneTest extends OneNodeTest {

  BrowserPhoneTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void everyPageFitsAPhoneWithoutScrollingSideways() throws Exception {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-phone",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", chromium.toString()),
            Duration.ofMinutes(4),
            "test/browser/phone.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String shot :
        new String[] {
          "phone-landing-signin",
          "phone-landing",
          "phone-room",
          "phone-xr",
          "phone-record",
          "phone-watch",
          "phone-replay-recording",
          "phone-replay-room",
          "phone-pointcloud"
        }) {
      assertTrue(Files.size(screenshots.resolve(shot + ".png")) > 0, shot + ".png written");
    }
  }
}
