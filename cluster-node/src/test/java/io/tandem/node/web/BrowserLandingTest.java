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
 * The landing page and signing in, in a real browser: Debian's chromium driven by playwright-core
 * ({@code client-web/test/browser/landing.browser.mjs}). A tab without a name opened on any page
 * (XR, room, watch, replay, record, point cloud) comes back to that page with its query after
 * sign-in; 125 rooms are listed a page at a time and the search finds one; only a person with the
 * admin right gets Delete, which removes the room (or says the node cannot); the watch page of a
 * recording that does not exist says so and creates nothing. Screenshots go to {@code
 * target/screenshots/}. Skipped without {@code /usr/bin/chromium}, except under CI ({@code
 * CI=true}), where it fails.
 */
class BrowserLandingTest extends OneNodeTest {

  BrowserLandingTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void signInReturnsToEveryPageAndTheLandingPagePagesSearchesAndDeletes() throws Exception {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-landing",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", chromium.toString()),
            Duration.ofMinutes(4),
            "test/browser/landing.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String shot : new String[] {"landing-paged", "landing-search", "watch-missing"}) {
      assertTrue(Files.size(screenshots.resolve(shot + ".png")) > 0, shot + ".png written");
    }
  }
}
