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
 * The pages in a real browser: Debian's chromium driven by playwright-core ({@code
 * client-web/test/browser/rooms.browser.mjs}) against two nodes of one cluster ({@link TwoNodes})
 * wired as in production, in dev mode so that the landing page can get tokens. Two pages in one
 * room, one on each node, see each other's cursor and slider moves within a second; a connection
 * killed from the server side (a TCP proxy in front of the second node drops it and refuses
 * reconnects for a while) comes back and resumes without a lost or doubled change. Screenshots of
 * every page go to {@code target/screenshots/}.
 *
 * <p>Without {@code /usr/bin/chromium} the test is skipped, except under CI ({@code CI=true}),
 * where it fails.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrowserRoomTest {
  static final Path CHROMIUM = Path.of(System.getProperty("tandem.chromium", "/usr/bin/chromium"));

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
            env(screenshots, CHROMIUM),
            Duration.ofMinutes(3),
            "test/browser/rooms.browser.mjs");
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String page : new String[] {"landing-signin", "room-alice", "room-bob-reconnecting"}) {
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
