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
 * The point-cloud page and signed export links in a real browser: Debian's chromium driven by
 * playwright-core ({@code client-web/test/browser/pointcloud.browser.mjs}). The example producer
 * publishes 12 images of a synthetic hall (a full refetch on the 10th); a page watching from the
 * start draws each shard as it comes and reloads on the refetch, a page opened after the 12th shows
 * the same points at once; broken shards are reported and skipped; the watch page's "Copy a link"
 * gives a signed URL that a page on another origin without a token downloads by ranges, and an
 * altered one gets 403. Screenshots go to {@code target/screenshots/}. Skipped without {@code
 * /usr/bin/chromium}, except under CI ({@code CI=true}), where it fails.
 */
class BrowserPointCloudTest extends OneNodeTest {

  BrowserPointCloudTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void aGrowingCloudIsDrawnLiveAndLateAndItsExportOpensBySignedLink() throws Exception {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-pointcloud",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", chromium.toString()),
            Duration.ofMinutes(3),
            "test/browser/pointcloud.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String shot : new String[] {"pointcloud-early", "pointcloud-late"}) {
      assertTrue(Files.size(screenshots.resolve(shot + ".png")) > 0, shot + ".png written");
    }
  }
}
