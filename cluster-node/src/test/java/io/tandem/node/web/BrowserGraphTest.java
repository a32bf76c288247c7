package io.tandem.node.web;

import io.tandem.node.testing.OneNodeTest;
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
 * places; a block of node values ({@code nb/0}) replaced by another publisher recolours the nodes
 * live; pan and zoom move the camera; a page whose connection is cut recovers without a reload; a
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
    BrowserChecks.run(
        "browser-graph",
        "test/browser/graph.browser.mjs",
        Duration.ofMinutes(4),
        Map.of("TANDEM_URL", node.httpUrl()),
        "graph-late",
        "graph-circle",
        "graph-k3-filter",
        "graph-phone");
  }
}
