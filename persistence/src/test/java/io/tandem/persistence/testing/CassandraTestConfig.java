package io.tandem.persistence.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tandem.persistence.CassandraSettings;
import java.util.List;
import java.util.Map;

/**
 * Where a test class's journal lives: the shared test Cassandra and a keyspace of its own. Resolved
 * by {@link CassandraExtension} into constructors and {@code @BeforeAll} methods.
 *
 * @param contactPoint {@code host:port} of the test Cassandra
 * @param keyspace a keyspace that exists and belongs to this test class only
 */
public record CassandraTestConfig(String contactPoint, String keyspace) {

  /** These coordinates as settings, with keyspace and table autocreation on. */
  public CassandraSettings settings() {
    Config defaults =
        ConfigFactory.parseMap(
                Map.of(
                    "tandem.cassandra.contact-points",
                    contactPoint,
                    "tandem.cassandra.datacenter",
                    CassandraSettings.EMBEDDED_DATACENTER,
                    "tandem.cassandra.keyspace",
                    keyspace,
                    "tandem.cassandra.autocreate",
                    true))
            .withFallback(ConfigFactory.parseResources("tandem-cassandra.conf"))
            .resolve();
    return CassandraSettings.fromConfig(defaults);
  }

  /**
   * Config pointing the Cassandra plugin and driver at this keyspace, to layer over the usual one:
   * {@code ActorTestKit.create(name, cfg.pekkoConfig().withFallback(ConfigFactory.load()))}.
   */
  public Config pekkoConfig() {
    return settings().pekkoOverrides();
  }

  /** The driver's contact points, as {@link CassandraSettings#contactPoints()} holds them. */
  public List<String> contactPoints() {
    return List.of(contactPoint);
  }
}
