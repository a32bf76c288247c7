package io.tandem.node.web;

import io.tandem.node.testing.OneNodeTest;
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
    BrowserChecks.run(
        "browser-xr",
        "test/browser/xr.browser.mjs",
        Duration.ofMinutes(3),
        Map.of("TANDEM_URL", node.httpUrl()),
        "xr-ann-in-vr",
        "xr-ben-sees-ann",
        "xr-ben-sees-move");
  }
}
