package io.tandem.node.web;

import io.tandem.node.testing.OneNodeTest;
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
    BrowserChecks.run(
        "browser-phone",
        "test/browser/phone.browser.mjs",
        Duration.ofMinutes(4),
        Map.of("TANDEM_URL", node.httpUrl()),
        "phone-landing-signin",
        "phone-landing",
        "phone-room",
        "phone-xr",
        "phone-record",
        "phone-watch",
        "phone-replay-recording",
        "phone-replay-room",
        "phone-pointcloud");
  }
}
