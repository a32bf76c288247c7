package io.tandem.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the journal lives: the {@code tandem.cassandra} config subtree read once into a record.
 *
 * <p>No contact points means "start an embedded Cassandra" ({@link EmbeddedCassandra}) with its
 * data under {@link #dataDir()}; after it started, {@link #withContactPoint(String)} gives the
 * settings that point at it. {@link #pekkoOverrides()} turns the settings into the plugin and
 * driver keys, which the node layers over its config with {@code withFallback}: HOCON cannot split
 * the env form {@code "host:port,host:port"} into the list the driver needs.
 *
 * @param contactPoints {@code host:port} entries; empty means embedded
 * @param datacenter the driver's local datacenter ({@code datacenter1} for the embedded server)
 * @param keyspace keyspace of the journal and the snapshot store
 * @param autocreate whether the plugin creates keyspace and tables (off in production, where {@code
 *     cql/schema.cql} is applied by an operator)
 * @param dataDir folder of the embedded Cassandra (data, commit log, logs, generated config)
 * @param embedded ports and sizes of the embedded Cassandra
 */
public record CassandraSettings(
    List<String> contactPoints,
    String datacenter,
    String keyspace,
    boolean autocreate,
    Path dataDir,
    EmbeddedSettings embedded) {

  /** The config subtree these settings are read from. */
  public static final String CONFIG_PATH = "tandem.cassandra";

  /** The CQL port assumed when a contact point names none. */
  public static final int DEFAULT_CQL_PORT = 9042;

  /** The local datacenter of the embedded server, whose {@code SimpleSnitch} names it so. */
  public static final String EMBEDDED_DATACENTER = "datacenter1";

  // unquoted CQL identifier; Cassandra caps keyspace names at 48 characters
  private static final Pattern KEYSPACE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");

  private static final List<String> PLUGIN_SECTIONS =
      List.of("pekko.persistence.cassandra.journal", "pekko.persistence.cassandra.snapshot");

  /** Validates and copies. */
  public CassandraSettings {
    contactPoints = List.copyOf(contactPoints);
    Objects.requireNonNull(datacenter, "datacenter");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(embedded, "embedded");
    if (keyspace == null || !KEYSPACE.matcher(keyspace).matches()) {
      throw new IllegalArgumentException(
          "keyspace must be a letter then up to 47 letters, digits or '_', was: " + keyspace);
    }
  }

  /**
   * Reads {@code tandem.cassandra} from a resolved config (one that includes {@code
   * persistence.conf}, or {@code tandem-cassandra.conf} alone).
   */
  public static CassandraSettings fromConfig(Config root) {
    Config c = root.getConfig(CONFIG_PATH);
    return new CassandraSettings(
        parseContactPoints(c.getString("contact-points")),
        c.getString("datacenter"),
        c.getString("keyspace"),
        c.getBoolean("autocreate"),
        Path.of(c.getString("data-dir")),
        EmbeddedSettings.fromConfig(c.getConfig("embedded")));
  }

  /**
   * Splits the env form {@code "host:port, host:port"} into entries; a missing port becomes {@value
   * #DEFAULT_CQL_PORT}. Blank gives an empty list.
   */
  public static List<String> parseContactPoints(String commaSeparated) {
    List<String> result = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      String entry = part.strip();
      if (!entry.isEmpty()) {
        result.add(withPort(entry));
      }
    }
    return List.copyOf(result);
  }

  private static String withPort(String hostPort) {
    if (hostPort.startsWith("[")) {
      return hostPort.contains("]:") ? hostPort : hostPort + ":" + DEFAULT_CQL_PORT;
    }
    long colons = hostPort.chars().filter(ch -> ch == ':').count();
    if (colons == 1) {
      return hostPort;
    }
    // a bare IPv6 address is bracketed so that the port after it stays unambiguous
    return colons == 0
        ? hostPort + ":" + DEFAULT_CQL_PORT
        : "[" + hostPort + "]:" + DEFAULT_CQL_PORT;
  }

  /** Whether the node must start an {@link EmbeddedCassandra} (no contact points configured). */
  public boolean useEmbedded() {
    return contactPoints.isEmpty();
  }

  /** These settings pointing at one server, typically the embedded one once it started. */
  public CassandraSettings withContactPoint(String hostPort) {
    return new CassandraSettings(
        List.of(withPort(hostPort.strip())), datacenter, keyspace, autocreate, dataDir, embedded);
  }

  /** These settings with another keyspace. */
  public CassandraSettings withKeyspace(String newKeyspace) {
    return new CassandraSettings(
        contactPoints, datacenter, newKeyspace, autocreate, dataDir, embedded);
  }

  /** These settings with keyspace and table creation switched on or off. */
  public CassandraSettings withAutocreate(boolean newAutocreate) {
    return new CassandraSettings(
        contactPoints, datacenter, keyspace, newAutocreate, dataDir, embedded);
  }

  /**
   * The plugin and driver keys these settings stand for, to be layered over the node's config:
   * {@code overrides.withFallback(config)}.
   *
   * <p>Sets the driver's {@code basic.contact-points} (only when there are any: the driver's
   * default is {@code 127.0.0.1:9042}) and local datacenter, keyspace and autocreate flags of the
   * journal and the snapshot store, and the {@code tandem.cassandra} values themselves so that a
   * later {@link #fromConfig(Config)} reads the same settings back.
   */
  public Config pekkoOverrides() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put(CONFIG_PATH + ".contact-points", String.join(",", contactPoints));
    values.put(CONFIG_PATH + ".datacenter", datacenter);
    values.put(CONFIG_PATH + ".keyspace", keyspace);
    values.put(CONFIG_PATH + ".autocreate", autocreate);
    if (!contactPoints.isEmpty()) {
      values.put("datastax-java-driver.basic.contact-points", contactPoints);
    }
    values.put("datastax-java-driver.basic.load-balancing-policy.local-datacenter", datacenter);
    for (String plugin : PLUGIN_SECTIONS) {
      values.put(plugin + ".keyspace", keyspace);
      values.put(plugin + ".keyspace-autocreate", autocreate);
      values.put(plugin + ".tables-autocreate", autocreate);
    }
    return ConfigFactory.parseMap(values, "CassandraSettings.pekkoOverrides()");
  }

  /**
   * The embedded Cassandra: where it listens and how big it may grow.
   *
   * @param nativePort CQL port (default 9042)
   * @param storagePort inter-node port, unused by a single node but bound (default 7000)
   * @param maxHeap the forked JVM's {@code -Xmx} value, such as {@code "512m"}
   * @param startTimeout how long {@link EmbeddedCassandra#start()} waits for CQL to answer
   * @param timerSlack the timer slack of the forked JVM's threads on Linux (zero: the system's);
   *     see {@link EmbeddedCassandra.Builder#timerSlack}
   */
  public record EmbeddedSettings(
      int nativePort, int storagePort, String maxHeap, Duration startTimeout, Duration timerSlack) {

    private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]?");

    /** The default timer slack of the embedded Cassandra's threads (tandem-cassandra.conf). */
    public static final Duration DEFAULT_TIMER_SLACK = Duration.ofNanos(250_000);

    /** At most this much: every timed wait of Cassandra may end this much late. */
    public static final Duration MAX_TIMER_SLACK = Duration.ofMillis(10);

    /** With the default timer slack. */
    public EmbeddedSettings(
        int nativePort, int storagePort, String maxHeap, Duration startTimeout) {
      this(nativePort, storagePort, maxHeap, startTimeout, DEFAULT_TIMER_SLACK);
    }

    /** Validates. */
    public EmbeddedSettings {
      checkPort(nativePort, "nativePort");
      checkPort(storagePort, "storagePort");
      if (nativePort == storagePort) {
        throw new IllegalArgumentException("nativePort and storagePort must differ: " + nativePort);
      }
      if (maxHeap == null || !HEAP.matcher(maxHeap).matches()) {
        throw new IllegalArgumentException("maxHeap must look like 512m or 1g, was: " + maxHeap);
      }
      if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, was: " + startTimeout);
      }
      checkTimerSlack(timerSlack);
    }

    /** Zero (the system's slack) up to {@link #MAX_TIMER_SLACK}. */
    static void checkTimerSlack(Duration timerSlack) {
      if (timerSlack == null
          || timerSlack.isNegative()
          || timerSlack.compareTo(MAX_TIMER_SLACK) > 0) {
        throw new IllegalArgumentException(
            "timer-slack must be 0 to " + MAX_TIMER_SLACK.toMillis() + " ms, was: " + timerSlack);
      }
    }

    /** 9042, 7000, 512m, 120 s, 250 µs. */
    public static EmbeddedSettings defaults() {
      return new EmbeddedSettings(9042, 7000, "512m", Duration.ofSeconds(120));
    }

    /** Reads a {@code tandem.cassandra.embedded} subtree. */
    public static EmbeddedSettings fromConfig(Config c) {
      return new EmbeddedSettings(
          c.getInt("native-port"),
          c.getInt("storage-port"),
          c.getString("max-heap"),
          c.getDuration("start-timeout"),
          c.getDuration("timer-slack"));
    }

    private static void checkPort(int port, String name) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(name + " must be 1..65535, was: " + port);
      }
    }
  }
}
