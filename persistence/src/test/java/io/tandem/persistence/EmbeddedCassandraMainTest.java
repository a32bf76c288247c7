package io.tandem.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The standalone launcher's contract with scripts; no Cassandra is started here. */
class EmbeddedCassandraMainTest {

  private static CassandraSettings settings(List<String> contactPoints) {
    return new CassandraSettings(
        contactPoints,
        "datacenter1",
        "tandem",
        true,
        Path.of("data", "local-cluster", "cassandra"),
        new CassandraSettings.EmbeddedSettings(
            9142, 7100, "256m", java.time.Duration.ofSeconds(60)));
  }

  @Test
  void refusesToStartWhenAnExternalCassandraIsConfigured() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> EmbeddedCassandraMain.launcherFor(settings(List.of("cass-1:9042"))));
    assertTrue(e.getMessage().contains("cass-1:9042"), e.getMessage());
  }

  @Test
  void readyLineCarriesTheContactPointOfTheConfiguredPort() {
    EmbeddedCassandra cassandra = EmbeddedCassandraMain.launcherFor(settings(List.of()));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    EmbeddedCassandraMain.announce(cassandra, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("TANDEM_CASSANDRA_CONTACT_POINTS=127.0.0.1:9142", lines.get(lines.size() - 1));
  }
}
