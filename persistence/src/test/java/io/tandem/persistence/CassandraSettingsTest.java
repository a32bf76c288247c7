package io.tandem.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading {@code tandem.cassandra} and turning it into plugin and driver config. */
class CassandraSettingsTest {

  private static Config load(String overrides) {
    // unresolved, so that substitutions such as tandem.cassandra.data-dir see the overrides
    return ConfigFactory.load(
        ConfigFactory.parseString(overrides)
            .withFallback(ConfigFactory.parseResourcesAnySyntax("application")));
  }

  @Test
  void defaultsMeanAnEmbeddedCassandraUnderTheDataDir() {
    CassandraSettings settings = CassandraSettings.fromConfig(ConfigFactory.load());
    assertTrue(settings.useEmbedded());
    assertEquals("datacenter1", settings.datacenter());
    assertEquals("tandem", settings.keyspace());
    assertTrue(settings.autocreate());
    assertEquals(Path.of("data", "cassandra"), settings.dataDir());
    assertEquals(CassandraSettings.EmbeddedSettings.defaults(), settings.embedded());
  }

  @Test
  void contactPointsAreSplitFromTheEnvForm() {
    assertEquals(
        List.of("10.0.0.1:9042", "cass-2:9142", "[::1]:9042", "[fe80::1]:9043"),
        CassandraSettings.parseContactPoints(" 10.0.0.1 , cass-2:9142,::1,[fe80::1]:9043,"));
    assertEquals(List.of(), CassandraSettings.parseContactPoints("  "));
  }

  @Test
  void pluginConfigFollowsTheTandemSettings() {
    Config config = ConfigFactory.load();
    assertEquals(
        "pekko.persistence.cassandra.journal",
        config.getString("pekko.persistence.journal.plugin"));
    assertEquals(
        "pekko.persistence.cassandra.snapshot",
        config.getString("pekko.persistence.snapshot-store.plugin"));
    assertFalse(config.getBoolean("pekko.persistence.cassandra.events-by-tag.enabled"));
    assertEquals("tandem", config.getString("pekko.persistence.cassandra.journal.keyspace"));
    assertEquals("tandem", config.getString("pekko.persistence.cassandra.snapshot.keyspace"));
    assertTrue(config.getBoolean("pekko.persistence.cassandra.journal.tables-autocreate"));
    assertEquals(
        "datacenter1",
        config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
    assertEquals(
        "jackson-cbor",
        config.getString(
            "pekko.actor.serialization-bindings.\"io.tandem.persistence.CborSerializable\""));
    assertFalse(config.getBoolean("pekko.actor.allow-java-serialization"));
  }

  @Test
  void overridesCarryContactPointsKeyspaceAndAutocreateIntoThePlugin() {
    CassandraSettings settings =
        CassandraSettings.fromConfig(
            load(
                """
                tandem.cassandra {
                  contact-points = "10.0.0.1:9042,10.0.0.2"
                  datacenter = dc-east
                  keyspace = sessions
                  autocreate = false
                }
                """));
    Config config = settings.pekkoOverrides().withFallback(ConfigFactory.load());

    assertEquals(
        List.of("10.0.0.1:9042", "10.0.0.2:9042"),
        config.getStringList("datastax-java-driver.basic.contact-points"));
    assertEquals(
        "dc-east",
        config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
    for (String plugin : List.of("journal", "snapshot")) {
      String path = "pekko.persistence.cassandra." + plugin;
      assertEquals("sessions", config.getString(path + ".keyspace"));
      assertFalse(config.getBoolean(path + ".keyspace-autocreate"));
      assertFalse(config.getBoolean(path + ".tables-autocreate"));
    }
    assertEquals(settings, CassandraSettings.fromConfig(config));
  }

  @Test
  void theEmbeddedContactPointReplacesNone() {
    CassandraSettings embedded = CassandraSettings.fromConfig(ConfigFactory.load());
    CassandraSettings started = embedded.withContactPoint("127.0.0.1:19042");
    assertFalse(started.useEmbedded());
    assertEquals(
        List.of("127.0.0.1:19042"),
        started.pekkoOverrides().getStringList("datastax-java-driver.basic.contact-points"));
    assertFalse(embedded.pekkoOverrides().hasPath("datastax-java-driver.basic.contact-points"));
  }

  @Test
  void embeddedSettingsAreReadAndChecked() {
    CassandraSettings settings =
        CassandraSettings.fromConfig(
            load(
                """
                tandem.data-dir = /var/tandem
                tandem.cassandra.embedded {
                  native-port = 19042
                  storage-port = 17000
                  max-heap = 1g
                  start-timeout = 3 minutes
                  timer-slack = 1ms
                }
                """));
    assertEquals(Path.of("/var/tandem/cassandra"), settings.dataDir());
    assertEquals(
        new CassandraSettings.EmbeddedSettings(
            19042, 17000, "1g", Duration.ofMinutes(3), Duration.ofMillis(1)),
        settings.embedded());
    assertEquals(
        Duration.ofNanos(250_000),
        CassandraSettings.fromConfig(ConfigFactory.load()).embedded().timerSlack());
    for (Duration bad : List.of(Duration.ofMillis(11), Duration.ofNanos(-1))) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new CassandraSettings.EmbeddedSettings(
                      9042, 7000, "512m", Duration.ofSeconds(1), bad));
      assertTrue(e.getMessage().contains("timer-slack must be 0 to 10 ms"), e.getMessage());
    }
    assertThrows(
        IllegalArgumentException.class,
        () -> new CassandraSettings.EmbeddedSettings(9042, 9042, "512m", Duration.ofSeconds(1)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new CassandraSettings.EmbeddedSettings(9042, 7000, "-Xmx512m", Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> settings.withKeyspace("bad-name"));
  }
}
