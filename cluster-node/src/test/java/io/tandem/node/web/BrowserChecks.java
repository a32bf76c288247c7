package io.tandem.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs one browser script of {@code client-web/test/browser} against a node in headless Chromium
 * and asserts what every browser test asserts: every check passed and the named screenshots were
 * written to {@code target/screenshots/}. Skipped without {@code /usr/bin/chromium}, except under
 * CI ({@code CI=true}), where that fails.
 */
final class BrowserChecks {
  private BrowserChecks() {}

  /**
   * @param name the log's name ({@code target/web-tests/<name>.log})
   * @param script the script, relative to {@code client-web}
   * @param env the script's environment besides {@code SCREENSHOTS_DIR} and {@code CHROMIUM}
   * @param screenshots the screenshots (names without {@code .png}) the script must have written
   */
  static void run(
      String name, String script, Duration deadline, Map<String, String> env, String... screenshots)
      throws IOException, InterruptedException {
    Path chromium = BrowserRoomTest.CHROMIUM;
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(
          Files.isExecutable(chromium),
          chromium + " is missing: apt-get update && apt-get install -y chromium");
    }
    Path shots = Path.of("target", "screenshots").toAbsolutePath();
    Map<String, String> all = new HashMap<>(env);
    all.put("SCREENSHOTS_DIR", shots.toString());
    all.put("CHROMIUM", chromium.toString());
    NodeScript.Result run = NodeScript.run(name, all, deadline, script);
    assertEquals(0, run.exitCode(), "browser checks failed, " + run.failures());
    assertTrue(run.output().contains(" passed, 0 failed"), run.output());
    for (String shot : screenshots) {
      assertTrue(Files.size(shots.resolve(shot + ".png")) > 0, shot + ".png written");
    }
  }
}
