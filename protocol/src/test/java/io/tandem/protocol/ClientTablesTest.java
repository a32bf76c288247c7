package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The JavaScript client's tables ({@code client-web/src/protocol-tables.js}, checked in) are what
 * {@link ClientTables} writes from the enums now: a new frame type, error code or close code, or a
 * changed reconnect rule, fails here until the file is rewritten.
 */
class ClientTablesTest {
  private static final Path FILE =
      Path.of("").toAbsolutePath().getParent().resolve("client-web/src/protocol-tables.js");

  @Test
  void checkedInClientTablesMatchTheEnums() throws Exception {
    assertTrue(
        Files.isRegularFile(FILE), FILE + " is missing; write it with: " + ClientTables.COMMAND);
    String checkedIn = Files.readString(FILE, StandardCharsets.UTF_8);
    assertEquals(
        ClientTables.render(),
        checkedIn,
        FILE + " differs from the protocol enums; rewrite it with: " + ClientTables.COMMAND);
  }

  @Test
  void theTablesCarryEveryCodeWithItsRule() {
    String js = ClientTables.render();
    for (ErrorCode c : ErrorCode.values()) {
      assertTrue(js.contains("'" + c.wire() + "'"), c.wire());
    }
    for (CloseCode c : CloseCode.values()) {
      assertTrue(
          js.contains(
              c.code()
                  + ": Object.freeze({ name: '"
                  + c.name()
                  + "', reconnect: "
                  + c.shouldReconnect()
                  + " })"),
          c.name());
    }
    // the server's rule the hand copy had lost: no automatic reconnect after 1008 and 1009
    assertTrue(js.contains("1008: Object.freeze({ name: 'MALFORMED', reconnect: false })"));
    assertTrue(js.contains("1009: Object.freeze({ name: 'TOO_BIG', reconnect: false })"));
    // a wire name both directions use once per list (presence, control, settings)
    String server = js.substring(js.indexOf("SERVER_FRAME_TYPES"), js.indexOf("ERROR_CODES"));
    assertEquals(server.indexOf("'presence'"), server.lastIndexOf("'presence'"));
    assertFalse(server.contains("'hello'"), "hello is sent by clients only");
  }
}
