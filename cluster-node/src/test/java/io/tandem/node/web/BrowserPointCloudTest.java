package io.tandem.node.web;

import io.tandem.node.testing.OneNodeTest;
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
    BrowserChecks.run(
        "browser-pointcloud",
        "test/browser/pointcloud.browser.mjs",
        Duration.ofMinutes(3),
        Map.of("TANDEM_URL", node.httpUrl()),
        "pointcloud-early",
        "pointcloud-late");
  }
}
