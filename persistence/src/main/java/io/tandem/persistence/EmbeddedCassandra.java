package io.tandem.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.Row;
import io.tandem.persistence.cassandra.ParentWatchingCassandraMain;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Apache Cassandra in a forked JVM, for the dev command and tests.
 *
 * <p>{@link #start()} writes a {@code cassandra.yaml} and a logback config into {@code
 * <dataDir>/conf}, forks {@code java} (the running JVM's, or {@value #JAVA_HOME_PROPERTY} / {@value
 * #JAVA_HOME_ENV}; Cassandra 5.0 runs on Java 11 or 17) with Cassandra's jars ({@link
 * CassandraLibDir}) and blocks until CQL answers {@code SELECT release_version FROM system.local}.
 * Data, commit log, caches and hints live under {@code dataDir} and survive restarts; Cassandra's
 * log goes to {@code <dataDir>/logs/system.log} and the JVM's own output to {@code
 * <dataDir>/logs/console.log}, never to our console.
 *
 * <p>No orphans: the fork runs {@link ParentWatchingCassandraMain}, which shuts Cassandra down once
 * this JVM is gone, even after {@code kill -9}. The pid goes to {@code <dataDir>/cassandra.pid}; a
 * later start on the same folder terminates a Cassandra left behind by a dead launcher and refuses
 * to share the folder with one whose launcher still runs. Nothing global is registered: the caller
 * decides whether a shutdown hook calls {@link #stop()}.
 *
 * <p>{@code start} and {@code stop} block for seconds: call them from main or a blocking
 * dispatcher, never from an actor. Instances are thread-safe.
 *
 * <p>Why this file is over 500 lines: one forked process from start to stop (its command line and
 * Java, the generated {@code cassandra.yaml} and logback config, waiting for CQL with the logs'
 * tails in the error, the pid file and the ports it checks) with a builder of its settings; the
 * parts share the process's folders and ports, and the launcher that watches for orphans is a class
 * of its own ({@link ParentWatchingCassandraMain}).
 */
public final class EmbeddedCassandra implements AutoCloseable {

  /** System property naming the Java home to run Cassandra with. */
  public static final String JAVA_HOME_PROPERTY = "tandem.cassandra.java-home";

  /** Environment variable naming the Java home to run Cassandra with. */
  public static final String JAVA_HOME_ENV = "TANDEM_CASSANDRA_JAVA_HOME";

  /** Cassandra's own log, INFO and above. */
  public static final String SYSTEM_LOG = "system.log";

  /** Standard output and error of the forked JVM (Cassandra's WARN and above, JVM messages). */
  public static final String CONSOLE_LOG = "console.log";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedCassandra.class);

  private static final String LOOPBACK = "127.0.0.1";
  private static final String CLUSTER_NAME = "Tandem Embedded";
  private static final int TAIL_LINES = 40;

  /**
   * The module flags of Cassandra 5.0's {@code conf/jvm17-server.options} (the "JPMS" section):
   * without them Cassandra fails reflectively, e.g. on {@code sun.nio.ch.DirectBuffer.cleaner}.
   */
  static final List<String> JPMS_FLAGS =
      List.of(
          "-Djdk.attach.allowAttachSelf=true",
          "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
          "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
          "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
          "--add-exports=java.sql/java.sql=ALL-UNNAMED",
          "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
          "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
          "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
          "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
          "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.base/java.io=ALL-UNNAMED",
          "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
          "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/java.util=ALL-UNNAMED");

  /** The other flags of {@code jvm17-server.options} and {@code jvm-server.options} we keep. */
  static final List<String> JVM_FLAGS =
      List.of(
          "-XX:+UseG1GC",
          "-XX:+ParallelRefProcEnabled",
          "-XX:MaxTenuringThreshold=1",
          "-XX:MaxGCPauseMillis=300",
          // Cassandra's start-up check asks for it: an OOM must not leave a half-working node
          "-XX:+ExitOnOutOfMemoryError",
          "-Djava.net.preferIPv4Stack=true",
          "-Dio.netty.tryReflectionSetAccessible=true",
          "-Dio.netty.allocator.useCacheForAllThreads=true",
          "-Dio.netty.allocator.maxOrder=11");

  /**
   * Start-up shortcuts that are safe for a single local node: no gossip settling, no shutdown
   * announcement delay, no memtable overhead measurement at boot.
   */
  static final List<String> FAST_START_FLAGS =
      List.of(
          "-Dcassandra-foreground=yes",
          "-Dcassandra.skip_wait_for_gossip_to_settle=0",
          "-Dcassandra.shutdown_announce_in_ms=0",
          "-Dcassandra.memtable.row_overhead_size=180");

  private final Path dataDir;
  private final int nativePort;
  private final int storagePort;
  private final String maxHeap;
  private final Path libDir;
  private final Path javaExecutable;
  private final Duration startTimeout;
  private final Duration stopTimeout;
  private final Duration timerSlack;

  private Process process;
  private long lastPid = -1;
  private String releaseVersion;

  private EmbeddedCassandra(Builder b) {
    this.dataDir = b.dataDir.toAbsolutePath().normalize();
    this.nativePort = b.nativePort;
    this.storagePort = b.storagePort;
    this.maxHeap = b.maxHeap;
    this.libDir = b.libDir;
    this.javaExecutable = b.javaExecutable;
    this.startTimeout = b.startTimeout;
    this.stopTimeout = b.stopTimeout;
    this.timerSlack = b.timerSlack;
    // validates ports, heap, timeout and slack the same way the config does
    new CassandraSettings.EmbeddedSettings(
        nativePort, storagePort, maxHeap, startTimeout, timerSlack);
  }

  /** A Cassandra with data under {@code dataDir}, listening on the given loopback ports. */
  public static EmbeddedCassandra create(Path dataDir, int nativePort, int storagePort) {
    return builder(dataDir).nativePort(nativePort).storagePort(storagePort).build();
  }

  /** The Cassandra that {@code settings} describe ({@code dataDir} and {@code embedded}). */
  public static EmbeddedCassandra create(CassandraSettings settings) {
    CassandraSettings.EmbeddedSettings e = settings.embedded();
    return builder(settings.dataDir())
        .nativePort(e.nativePort())
        .storagePort(e.storagePort())
        .maxHeap(e.maxHeap())
        .startTimeout(e.startTimeout())
        .timerSlack(e.timerSlack())
        .build();
  }

  /** A builder with the defaults of {@link CassandraSettings.EmbeddedSettings#defaults()}. */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /**
   * Forks Cassandra and blocks until it answers CQL. Does nothing if it is already running.
   *
   * @throws IllegalStateException if a port is taken, the folder is used by another running
   *     Cassandra, or Cassandra exits or stays silent past the start timeout (the message carries
   *     the end of its log)
   */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    long began = System.nanoTime();
    Path logDir = logDir();
    Path confDir = dataDir.resolve("conf");
    createDirectories(logDir);
    createDirectories(confDir);
    CassandraPidFile.reclaim(dataDir, stopTimeout);
    requireFree(nativePort, "native (CQL)");
    requireFree(storagePort, "storage");
    Path lib = libDir != null ? libDir : CassandraLibDir.locate();
    CassandraLibDir.checkConsistent(lib);
    Path yaml = confDir.resolve("cassandra.yaml");
    Path logback = confDir.resolve("logback.xml");
    write(yaml, cassandraYaml());
    write(logback, logbackXml(logDir));
    Path launcherDir = installLauncher();

    Path consoleLog = logDir.resolve(CONSOLE_LOG);
    long consoleOffset = consoleLog.toFile().length();
    List<String> command = command(lib, launcherDir, yaml, logback);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(consoleLog.toFile()));
    Process started;
    try {
      started = builder.start();
      started.getOutputStream().close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    }
    process = started;
    lastPid = started.pid();
    CassandraPidFile.write(dataDir, lastPid);
    log.info(
        "Starting embedded Cassandra (pid {}, data {}, CQL {}, heap {})",
        lastPid,
        dataDir,
        contactPoint(),
        maxHeap);
    awaitCql(started, began, consoleOffset);
    log.info(
        "Embedded Cassandra {} answers CQL on {} after {} ms",
        releaseVersion,
        contactPoint(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
  }

  /**
   * Stops Cassandra: SIGTERM (its shutdown hooks flush memtables), then SIGKILL if it is still
   * running after the stop timeout. Blocks until the process is gone. Does nothing if not running.
   */
  public synchronized void stop() {
    Process p = process;
    if (p == null) {
      return;
    }
    process = null;
    if (p.isAlive()) {
      long began = System.nanoTime();
      CassandraPidFile.terminate(p.toHandle(), stopTimeout);
      log.info(
          "Embedded Cassandra (pid {}) stopped in {} ms",
          p.pid(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }
    CassandraPidFile.deleteIfNames(dataDir, p.pid());
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** Whether the forked Cassandra is running. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Pid of the running or last started Cassandra, or -1 if it was never started. */
  public synchronized long pid() {
    return lastPid;
  }

  /** {@code "127.0.0.1:<native port>"}, the contact point for the driver. */
  public String contactPoint() {
    return LOOPBACK + ":" + nativePort;
  }

  /** The CQL port. */
  public int nativePort() {
    return nativePort;
  }

  /** The inter-node port. */
  public int storagePort() {
    return storagePort;
  }

  /** The data folder (absolute). */
  public Path dataDir() {
    return dataDir;
  }

  /** Where {@value #SYSTEM_LOG} and {@value #CONSOLE_LOG} are written. */
  public Path logDir() {
    return dataDir.resolve("logs");
  }

  /** Cassandra's version as reported once started, such as {@code "5.0.9"}, else empty. */
  public synchronized Optional<String> releaseVersion() {
    return Optional.ofNullable(releaseVersion);
  }

  // ------------------------------------------------------------------ start-up

  private void awaitCql(Process started, long began, long consoleOffset) {
    long deadline = began + startTimeout.toNanos();
    RuntimeException lastProbeFailure = null;
    while (true) {
      if (!started.isAlive()) {
        process = null;
        CassandraPidFile.deleteIfNames(dataDir, started.pid());
        throw new IllegalStateException(
            "Embedded Cassandra exited with code "
                + started.exitValue()
                + " before answering CQL"
                + logTails(consoleOffset));
      }
      if (portOpen()) {
        try {
          releaseVersion = probeCql();
          return;
        } catch (RuntimeException e) {
          lastProbeFailure = e;
        }
      }
      if (System.nanoTime() > deadline) {
        stop();
        IllegalStateException failure =
            new IllegalStateException(
                "Embedded Cassandra did not answer CQL on "
                    + contactPoint()
                    + " within "
                    + startTimeout
                    + "; stopped it"
                    + logTails(consoleOffset));
        if (lastProbeFailure != null) {
          failure.addSuppressed(lastProbeFailure);
        }
        throw failure;
      }
      // doubles as the pause between probes and as an early wake-up when the process dies
      awaitExit(started, Duration.ofMillis(250));
    }
  }

  private boolean portOpen() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(LOOPBACK, nativePort), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private String probeCql() {
    OptionsMap options =
        CqlSessions.options(
            contactPoint(), CassandraSettings.EMBEDDED_DATACENTER, Duration.ofSeconds(10));
    // Cassandra 5.0 speaks v5: skip the driver's protocol negotiation
    options.put(TypedDriverOption.PROTOCOL_VERSION, "V5");
    try (CqlSession session = CqlSessions.open(options)) {
      Row row = session.execute("SELECT release_version FROM system.local").one();
      return row == null ? "unknown" : row.getString("release_version");
    }
  }

  private static void awaitExit(Process p, Duration timeout) {
    try {
      p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Cassandra", e);
    }
  }

  private static void requireFree(int port, String what) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK), port));
    } catch (IOException e) {
      throw new IllegalStateException(
          "The "
              + what
              + " port "
              + port
              + " on "
              + LOOPBACK
              + " is in use (another Cassandra?): free it, configure other"
              + " tandem.cassandra.embedded ports, or set contact points to use that Cassandra",
          e);
    }
  }

  List<String> command(Path lib, Path launcherDir, Path yaml, Path logback) {
    List<String> classpath = new ArrayList<>();
    CassandraLibDir.jars(lib).forEach(jar -> classpath.add(jar.toString()));
    // last, so that nothing of ours can shadow a Cassandra class
    classpath.add(launcherDir.toString());

    List<String> command = new ArrayList<>(withTimerSlack(timerSlack));
    command.add(javaExecutable().toString());
    // identity first: the JDK and tools often cut a command line after 4 KiB
    command.add(CassandraPidFile.MARKER_FLAG);
    command.add(CassandraPidFile.STORAGE_DIR_FLAG + dataDir);
    ProcessHandle self = ProcessHandle.current();
    command.add("-D" + ParentWatchingCassandraMain.PARENT_PID + "=" + self.pid());
    self.info()
        .startInstant()
        .ifPresent(
            t ->
                command.add(
                    "-D" + ParentWatchingCassandraMain.PARENT_START + "=" + t.toEpochMilli()));
    command.add("-Xmx" + maxHeap);
    command.addAll(JVM_FLAGS);
    command.addAll(JPMS_FLAGS);
    command.addAll(FAST_START_FLAGS);
    command.add("-Dcassandra.config=" + yaml.toUri());
    command.add("-Dcassandra.logdir=" + logDir());
    command.add("-Dcassandra.native_transport_port=" + nativePort);
    command.add("-Dcassandra.storage_port=" + storagePort);
    command.add(
        "-Dcassandra.available_processors="
            + Math.min(4, Runtime.getRuntime().availableProcessors()));
    command.add("-Dlogback.configurationFile=" + logback);
    command.add("-cp");
    command.add(String.join(File.pathSeparator, classpath));
    command.add(ParentWatchingCassandraMain.class.getName());
    return command;
  }

  /** Where a process can set its own timer slack, inherited by the JVM it runs and its threads. */
  static final Path TIMER_SLACK_FILE = Path.of("/proc/self/timerslack_ns");

  /**
   * The start of a command that runs the rest of it with {@code slack} as its timer slack: a shell
   * that writes its own {@code /proc/self/timerslack_ns} (a process may set its own without
   * privileges) and replaces itself by the JVM, whose threads inherit the value. Empty when the
   * slack is zero or the system has no such file (not Linux).
   */
  static List<String> withTimerSlack(Duration slack) {
    if (slack.isZero() || !Files.isRegularFile(TIMER_SLACK_FILE)) {
      return List.of();
    }
    return List.of(
        "/bin/sh",
        "-c",
        // a slack that cannot be set is reported in the console log, never a reason not to start
        "{ echo "
            + slack.toNanos()
            + " > "
            + TIMER_SLACK_FILE
            + "; } 2>/dev/null || echo 'timer slack not set' >&2; exec \"$@\"",
        "cassandra");
  }

  private Path javaExecutable() {
    if (javaExecutable != null) {
      return javaExecutable;
    }
    String home = System.getProperty(JAVA_HOME_PROPERTY, System.getenv(JAVA_HOME_ENV));
    if (home != null && !home.isBlank()) {
      return javaIn(Path.of(home.strip()));
    }
    int feature = Runtime.version().feature();
    if (feature != 11 && feature != 17) {
      log.warn(
          "Running Cassandra with this JVM (Java {}), but Cassandra 5.0 supports Java 11 and 17"
              + " only; set {} or -D{} to a JDK 17 if it fails to start",
          feature,
          JAVA_HOME_ENV,
          JAVA_HOME_PROPERTY);
    }
    return ProcessHandle.current()
        .info()
        .command()
        .map(Path::of)
        .filter(Files::isExecutable)
        .orElseGet(() -> javaIn(Path.of(System.getProperty("java.home"))));
  }

  private static Path javaIn(Path home) {
    Path unix = home.resolve("bin").resolve("java");
    return Files.isExecutable(unix) ? unix : home.resolve("bin").resolve("java.exe");
  }

  /** Copies the watcher main class next to the data, so Cassandra's classpath gets nothing else. */
  private Path installLauncher() {
    Path launcherDir = dataDir.resolve("launcher");
    String classFile = ParentWatchingCassandraMain.class.getName().replace('.', '/') + ".class";
    Path target = launcherDir.resolve(classFile);
    createDirectories(target.getParent());
    try (InputStream in = ParentWatchingCassandraMain.class.getResourceAsStream("/" + classFile)) {
      if (in == null) {
        throw new IllegalStateException("cannot find " + classFile + " on the classpath");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + classFile + " to " + launcherDir, e);
    }
    return launcherDir;
  }

  // ------------------------------------------------------------------ generated config

  String cassandraYaml() {
    return """
        # Written by Tandem's EmbeddedCassandra at every start: edits are overwritten.
        # Data, commit log, saved caches and hints live under -Dcassandra.storagedir.
        cluster_name: '%s'
        num_tokens: 1
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        endpoint_snitch: SimpleSnitch
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "%s:%d"
        listen_address: %s
        rpc_address: %s
        storage_port: %d
        native_transport_port: %d
        start_native_transport: true
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        auto_snapshot: false
        hinted_handoff_enabled: false
        # one node: no replicas to rank, and the snitch's scoring woke a thread every 100 ms
        dynamic_snitch: false
        # sized for a developer machine and a small heap
        commitlog_total_space: 256MiB
        concurrent_reads: 8
        concurrent_writes: 8
        concurrent_counter_writes: 8
        concurrent_materialized_view_writes: 8
        concurrent_compactors: 1
        key_cache_size: 16MiB
        """
        .formatted(
            CLUSTER_NAME, LOOPBACK, storagePort, LOOPBACK, LOOPBACK, storagePort, nativePort);
  }

  static String logbackXml(Path logDir) {
    String systemLog = xml(logDir.resolve(SYSTEM_LOG).toString());
    String rolled = xml(logDir.resolve(SYSTEM_LOG).toString() + ".%i.zip");
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- Written by Tandem's EmbeddedCassandra at every start: edits are overwritten. -->
        <configuration scan="false">
          <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
            <filter class="ch.qos.logback.classic.filter.ThresholdFilter">
              <level>INFO</level>
            </filter>
            <file>%s</file>
            <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
              <fileNamePattern>%s</fileNamePattern>
              <minIndex>1</minIndex>
              <maxIndex>3</maxIndex>
            </rollingPolicy>
            <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
              <maxFileSize>20MB</maxFileSize>
            </triggeringPolicy>
            <encoder>
              <pattern>%%-5level [%%thread] %%date{ISO8601} %%logger{36} - %%msg%%n</pattern>
            </encoder>
          </appender>
          <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
            <filter class="ch.qos.logback.classic.filter.ThresholdFilter">
              <level>WARN</level>
            </filter>
            <encoder>
              <pattern>%%-5level [%%thread] %%date{ISO8601} %%logger{36} - %%msg%%n</pattern>
            </encoder>
          </appender>
          <root level="INFO">
            <appender-ref ref="SYSTEMLOG"/>
            <appender-ref ref="STDOUT"/>
          </root>
        </configuration>
        """
        .formatted(systemLog, rolled);
  }

  private static String xml(String text) {
    return text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  // ------------------------------------------------------------------ files

  private String logTails(long consoleOffset) {
    Path console = logDir().resolve(CONSOLE_LOG);
    Path system = logDir().resolve(SYSTEM_LOG);
    return "\n--- end of "
        + console
        + " (this run) ---\n"
        + tail(console, consoleOffset)
        + "\n--- end of "
        + system
        + " ---\n"
        + tail(system, 0);
  }

  private static String tail(Path file, long fromOffset) {
    if (!Files.isRegularFile(file)) {
      return "(missing)";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long start = Math.max(fromOffset, raf.length() - 64 * 1024);
      byte[] bytes = new byte[(int) (raf.length() - Math.max(0, start))];
      raf.seek(Math.max(0, start));
      raf.readFully(bytes);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
      return lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()).stream()
          .collect(Collectors.joining("\n"));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedCassandra[" + contactPoint() + ", " + dataDir + "]";
  }

  /** Options of an {@link EmbeddedCassandra}; defaults as in {@code tandem-cassandra.conf}. */
  public static final class Builder {
    private final Path dataDir;
    private int nativePort = 9042;
    private int storagePort = 7000;
    private String maxHeap = "512m";
    private Path libDir;
    private Path javaExecutable;
    private Duration startTimeout = Duration.ofSeconds(120);
    private Duration stopTimeout = Duration.ofSeconds(30);
    private Duration timerSlack = CassandraSettings.EmbeddedSettings.DEFAULT_TIMER_SLACK;

    private Builder(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    }

    /** CQL port (default 9042). */
    public Builder nativePort(int port) {
      this.nativePort = port;
      return this;
    }

    /** Inter-node port (default 7000). */
    public Builder storagePort(int port) {
      this.storagePort = port;
      return this;
    }

    /** {@code -Xmx} of the forked JVM, such as {@code "512m"} (the default) or {@code "1g"}. */
    public Builder maxHeap(String heap) {
      this.maxHeap = heap;
      return this;
    }

    /** Folder of Cassandra's jars; default {@link CassandraLibDir#locate()} at start. */
    public Builder libDir(Path dir) {
      this.libDir = dir;
      return this;
    }

    /** The {@code java} to run; default the running JVM's (see the class comment). */
    public Builder javaExecutable(Path java) {
      this.javaExecutable = java;
      return this;
    }

    /** How long {@link #start()} waits for CQL (default 120 s). */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /** How long {@link #stop()} waits after SIGTERM before SIGKILL (default 30 s). */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Objects.requireNonNull(timeout, "stopTimeout");
      return this;
    }

    /**
     * Timer slack of the forked JVM's threads (default 250 µs; zero leaves the system's, 50 µs on
     * Linux). Cassandra's shared worker pool keeps an idle worker polling for new work for 10 ms
     * after each task, in sleeps of about 10 µs; the slack sets how late such a sleep may end, so a
     * larger one means fewer wake-ups while nothing is to do. Work handed to a polling worker waits
     * for its sleep to end, so keep it well under a millisecond. Set on Linux only (through {@code
     * /proc/self/timerslack_ns} of a shell that then runs the JVM); elsewhere ignored.
     */
    public Builder timerSlack(Duration slack) {
      this.timerSlack = slack;
      return this;
    }

    /** The launcher; nothing is started yet. */
    public EmbeddedCassandra build() {
      return new EmbeddedCassandra(this);
    }
  }
}
