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
 * The pages in a real browser: Debian's chromium driven by playwright-core ({@code
 * client-web/test/browser/rooms.browser.mjs}) against a node wired as in production, in dev mode so
 * that the landing page can get tokens. Two pages in one room see each other's cursor and slider
 * moves within a second; a connection killed from the server side (a TCP proxy in front of the node
 * drops it and refuses reconnects for a while) comes back and resumes without a lost or doubled
 * change. Screenshots of every page go to {@code target/screenshots/}.
 *
 * <p>Without {@code /usr/bin/chromium} the test is skipped, except under CI ({@code CI=true}),
 * where it fails.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserRoomTest {
  static final Path CHROMIUM = Path.of(System.getProperty("tandem.chromium", "/usr/bin/chromium"));

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
  void twoPagesShareCursorsAndTheTimeSliderAndAKilledConnectionResumes() throws Exception {
    boolean ci = "true".equals(System.getenv("CI"));
    if (!ci) {
      assumeTrue(
          Files.isExecutable(CHROMIUM),
          CHROMIUM + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path screenshots = Path.of("target", "screenshots").toAbsolutePath();
    NodeScript.Result run =
        NodeScript.run(
            "browser-rooms",
            Map.of(
                "TANDEM_URL", node.httpUrl(),
                "SCREENSHOTS_DIR", screenshots.toString(),
                "CHROMIUM", CHROMIUM.toString()),
            Duration.ofMinutes(3),
            "test/browser/rooms.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, see " + run.log());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String page : new String[] {"landing-signin", "room-alice", "room-bob-reconnecting"}) {
      assertTrue(Files.size(screenshots.resolve(page + ".png")) > 0, page + ".png written");
    }
  }
}
