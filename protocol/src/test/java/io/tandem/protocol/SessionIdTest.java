package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SessionIdTest {

  @Test
  void theNameCheckAgreesWithThePatternOnRandomNames() {
    // letters of the allowed set, neighbours of each range's ends, and a few beyond ASCII
    String alphabet = "azAZ09._-/:@[`{ ~\u00e9\u0660\uff21\ud83d\ude00";
    Random random = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      int length = random.nextInt(4) == 0 ? 126 + random.nextInt(5) : random.nextInt(6);
      StringBuilder name = new StringBuilder();
      for (int j = 0; j < length; j++) {
        name.append(alphabet.charAt(random.nextInt(alphabet.length())));
      }
      String s = name.toString();
      assertEquals(
          SessionId.NAME_PATTERN.matcher(s).matches(), SessionId.isValidName(s), "name: " + s);
    }
  }

  @Test
  void lengthBoundsAreOneTo128() {
    assertFalse(SessionId.isValidName(""));
    assertTrue(SessionId.isValidName("a".repeat(128)));
    assertFalse(SessionId.isValidName("a".repeat(129)));
  }

  @Test
  void parseReadsEachKindAndRefusesBadNames() {
    assertEquals(SessionId.room("design-1"), SessionId.parse("room:design-1"));
    assertEquals(SessionId.recording("r_2.x"), SessionId.parse("recording:r_2.x"));
    assertEquals(SessionId.map("g"), SessionId.parse("map:g"));
    assertThrows(IllegalArgumentException.class, () -> SessionId.parse("room:a b"));
    assertThrows(IllegalArgumentException.class, () -> SessionId.parse("room:"));
    assertThrows(IllegalArgumentException.class, () -> SessionId.parse("hall:a"));
    assertThrows(IllegalArgumentException.class, () -> SessionId.room("caf\u00e9"));
    assertTrue(SessionId.tryParse("room:" + "x".repeat(129)).isEmpty());
  }
}
