package io.tandem.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.OneNodeTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's walkthrough ({@code docs/examples/walkthrough.mjs}) run as the README says, against
 * a dev-mode node: copied into a folder where {@code ws} resolves (here {@code client-web}'s {@code
 * node_modules}) and run with {@code node}. What it prints must be what the README shows: Alice and
 * Bob each connected as themselves to the node the status names, Bob's resume recovered with
 * exactly the three changes he missed, then the two live ones Alice makes after it.
 */
class ReadmeWalkthroughTest extends OneNodeTest {

  ReadmeWalkthroughTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void theWalkthroughPrintsWhatTheReadmeSays() throws Exception {
    Path clientWeb = NodeScript.clientWebDir();
    Path script = clientWeb.getParent().resolve("docs/examples/walkthrough.mjs");
    Path copy = clientWeb.resolve("target/readme-walkthrough/walkthrough.mjs");
    Files.createDirectories(copy.getParent());
    Files.copy(script, copy, StandardCopyOption.REPLACE_EXISTING);
    String room = "room:walk-" + UUID.randomUUID().toString().substring(0, 8);

    NodeScript.Result run =
        NodeScript.run(
            "readme-walkthrough",
            Map.of(),
            Duration.ofMinutes(1),
            copy.toString(),
            node.wsUrl(),
            room);

    String out = run.output();
    assertEquals(0, run.exitCode(), out);
    Matcher alice = Pattern.compile("(?m)^alice: connected to node (\\S+) as alice$").matcher(out);
    assertTrue(alice.find(), "alice connects as alice:\n" + out);
    String nodeName = alice.group(1);
    assertFalse(nodeName.startsWith("pekko://"), "the node as the README shows it: " + nodeName);
    assertEquals(
        2,
        count(out, "bob: connected to node " + nodeName + " as bob"),
        "bob connects as bob, twice:\n" + out);
    assertTrue(out.contains("bob: resumed (recovered=true) from seq 0;"), out);
    assertEquals(3, count(out, "  bob <- missed "), out);
    assertTrue(out.contains("bob: received 3 missed change(s), seq 1 to 3"), out);
    assertEquals(2, count(out, "  bob <- live   "), "the live changes after the resume:\n" + out);
    assertTrue(out.contains("  bob <- live   seq=4 by=alice"), out);
    assertTrue(out.contains("  bob <- live   seq=5 by=alice"), out);
    assertTrue(
        out.contains(
            "bob: received 2 live change(s) after the resume; his doc ends at"
                + " view.timeCursor=50"),
        out);
  }

  private static long count(String out, String prefix) {
    return Arrays.stream(out.split("\n")).filter(l -> l.startsWith(prefix)).count();
  }
}
