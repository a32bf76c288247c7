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
 * The graph page of a map in a real browser: Debian's chromium driven by playwright-core ({@code
 * client-web/test/browser/graph.browser.mjs}). The producer ({@code
 * client-web/scripts/graph-producer.mjs}) publishes the 1k/5k demo graph and moves its nodes at 10
 * Hz; a page opened afterwards paints every node and edge at once (counts on screen, pixels drawn)
 * and follows the positions; a control sent from the page (method circle, then k = 3 with a filter)
 * makes the producer recompute, and the page names the new layout and shows the nodes at their new
 * places; pan and zoom move the camera; a page whose connection is cut recovers without a reload; a
 * tab without an identity signs in on the landing page and comes back; a 390 px wide page has no
 * horizontal scroll. Screenshots go to {@code target/screenshots/}. Skipped without {@code
 * /usr/bin/chromium}, except under CI ({@code CI=true}), where it fails.
 */
class BrowserGraphTest extends OneNodeTest {

  BrowserGraphTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void aLatePagePaintsTheGraphAndAControlChangesItsLayout() throws Exception {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-graph",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", chromium.toString()),
            Duration.ofMinutes(4),
            "test/browser/graph.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String shot :
        new String[] {"graph-late", "graph-circle", "graph-k3-filter", "graph-phone"}) {
      assertTrue(Files.size(screenshots.resolve(shot + ".png")) > 0, shot + ".png written");
    }
  }
}
