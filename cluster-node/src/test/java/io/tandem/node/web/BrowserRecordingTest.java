package io.tandem.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.node.testing.TestNode;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The record, watch and replay pages in a real browser: Debian's chromium driven by playwright-core
 * ({@code client-web/test/browser/recordings.browser.mjs}) against a node wired as in production,
 * in dev mode so that the pages can get tokens. A tab records its demo area with rrweb while a live
 * watch tab shows the same DOM; a watch tab opened late shows it at once from a later checkpoint;
 * after the end, the replay page at 4x ends on the same DOM (also after pause, resume and a seek),
 * and a room's replay ends on the room's final doc, selection and time cursor. Screenshots go to
 * {@code target/screenshots/}.
 *
 * <p>Without {@code /usr/bin/chromium} the test is skipped, except under CI ({@code CI=true}),
 * where it fails.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserRecordingTest {
  private TestNode node;

  @BeforeAll
  void startNode(CassandraTestConfig cassandra) throws Exception {
    node = TestNode.start(cassandra, "tandem.dev-mode = true");
  }

  @AfterAll
  void stopNode() throws Exception {
    node.close();
  }

  @Test
  void recordedTabIsWatchedLiveAndLateAndReplaysToTheSamePage() throws Exception {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-recordings",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", chromium.toString()),
            Duration.ofMinutes(4),
            "test/browser/recordings.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, see " + run.log());
    assertTrue(run.output().contains(" passed, 0 failed"), "not every check passed");
    for (String page :
        new String[] {"record", "watch-live", "watch-late", "replay-recording", "replay-room"}) {
      assertTrue(Files.size(screenshots.resolve(page + ".png")) > 0, page + ".png written");
    }
  }
}
