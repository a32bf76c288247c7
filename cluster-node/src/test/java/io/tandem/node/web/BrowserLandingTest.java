package io.tandem.node.web;

import io.tandem.node.testing.OneNodeTest;
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
    BrowserChecks.run(
        "browser-landing",
        "test/browser/landing.browser.mjs",
        Duration.ofMinutes(4),
        Map.of("TANDEM_URL", node.httpUrl()),
        "landing-paged",
        "landing-search",
        "watch-missing");
  }
}
