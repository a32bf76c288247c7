package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingAnswersTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void answersAreMatchedByTagInAnyOrder() {
    PendingAnswers<String> pending = new PendingAnswers<>(Duration.ofSeconds(5));
    long a = pending.add("a", 0);
    long b = pending.add("b", 0);
    assertNotEquals(a, b);
    assertEquals("b", pending.take(b));
    assertEquals("a", pending.take(a));
    assertTrue(pending.isEmpty());
  }

  @Test
  void anAnswerAfterItsTimeoutFindsNothing() {
    PendingAnswers<String> pending = new PendingAnswers<>(Duration.ofSeconds(5));
    long a = pending.add("a", 0);
    long b = pending.add("b", 2 * SECOND);
    assertEquals(List.of(), pending.takeOverdue(5 * SECOND - 1));
    assertEquals(List.of("a"), pending.takeOverdue(5 * SECOND));
    assertNull(pending.take(a), "already answered as timed out");
    assertEquals(1, pending.size());
    assertEquals(2 * SECOND, pending.nanosToNextDeadline(5 * SECOND));
    assertEquals("b", pending.take(b));
    assertEquals(-1, pending.nanosToNextDeadline(5 * SECOND));
  }
}
