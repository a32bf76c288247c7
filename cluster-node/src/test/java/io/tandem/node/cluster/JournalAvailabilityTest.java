package io.tandem.node.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.connection.ClosedConnectionException;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.apache.pekko.pattern.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

/**
 * Which failures take a node's journal down (changes answered {@code unavailable} at once until a
 * probe gets through): Cassandra out of reach, never a slow or a bad request.
 */
class JournalAvailabilityTest {

  @Test
  void cassandraOutOfReachTakesTheJournalDownWhereverTheCauseIsWrapped() {
    assertTrue(JournalAvailability.unreachable(new NoNodeAvailableException()));
    assertTrue(
        JournalAvailability.unreachable(
            new CompletionException(new ClosedConnectionException("lost"))));
    assertTrue(
        JournalAvailability.unreachable(
            new RuntimeException(
                "Failed to persist",
                new CircuitBreakerOpenException(
                    scala.concurrent.duration.Duration.fromNanos(Duration.ofSeconds(5).toNanos()),
                    "open"))));
  }

  @Test
  void aSlowOrABadRequestDoesNot() {
    assertFalse(
        JournalAvailability.unreachable(
            new CompletionException(new DriverTimeoutException("Query timed out after PT2S"))));
    assertFalse(JournalAvailability.unreachable(new InvalidQueryException(null, "bad")));
    assertFalse(JournalAvailability.unreachable(new IllegalStateException("no cause")));
  }
}
