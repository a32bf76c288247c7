package io.tandem.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.node.testing.TwoNodes;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The record, watch and replay pages in a real browser: Debian's chromium driven by playwright-core
 * ({@code client-web/test/browser/recordings.browser.mjs}) against two nodes of one cluster ({@link
 * TwoNodes}) wired as in production, in dev mode so that the pages can get tokens. A tab on the
 * first node records its demo area with rrweb while a live watch tab on the second node shows the
 * same DOM; a watch tab opened late shows it at once from a later checkpoint; after the end, the
 * replay page plays the recording in rrweb-player and at 4x ends on the same DOM in rrweb-player's
 * iframe (also after pause, play and a seek through its controller), and a room's replay ends on
 * the room's final doc, selection and time cursor. Screenshots go to {@code target/screenshots/}.
 *
 * <p>Without {@code /usr/bin/chromium} the test is skipped, except under CI ({@code CI=true}),
 * where it fails.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserRecordingTest {
  private TwoNodes nodes;

  @BeforeAll
  void startNodes(CassandraTestConfig cassandra) throws Exception {
    nodes = TwoNodes.start(cassandra, "tandem.dev-mode = true");
  }

  @AfterAll
  void stopNodes() throws Exception {
    nodes.close();
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
            env(screenshots, chromium),
            Duration.ofMinutes(4),
            "test/browser/recordings.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), "not every check passed");
    for (String page :
        new String[] {"record", "watch-live", "watch-late", "replay-recording", "replay-room"}) {
      assertTrue(Files.size(screenshots.resolve(page + ".png")) > 0, page + ".png written");
    }
  }

  private Map<String, String> env(Path screenshots, Path chromium) {
    Map<String, String> env = new HashMap<>(nodes.env());
    env.put("SCREENSHOTS_DIR", screenshots.toString());
    env.put("CHROMIUM", chromium.toString());
    return env;
  }
}
