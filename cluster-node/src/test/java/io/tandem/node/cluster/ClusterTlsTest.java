package io.tandem.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.FileInputStream;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes (two actor systems in this JVM) form a cluster over Artery's {@code tls-tcp} with
 * certificates generated here by the JDK's keytool (issue 18, item 14), and the remoting port
 * speaks TLS with mutual authentication only.
 */
class ClusterTlsTest {
  private static final String PASSWORD = "changeit-" + System.nanoTime();
  private final List<ActorSystem<Void>> systems = new ArrayList<>();

  @TempDir Path dir;

  @AfterEach
  void stop() throws Exception {
    for (ActorSystem<Void> s : systems) {
      s.terminate();
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("keytool " + String.join(" ", args) + ": " + out);
    }
  }

  /** A key store with a fresh self-signed key, and a trust store with its certificate. */
  private Path[] stores(String name) throws Exception {
    Path keyStore = dir.resolve(name + "-key.p12");
    Path trustStore = dir.resolve(name + "-trust.p12");
    Path cert = dir.resolve(name + ".crt");
    keytool(
        "-genkeypair",
        "-alias",
        "node",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=tandem-" + name,
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD);
    keytool(
        "-exportcert",
        "-alias",
        "node",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        PASSWORD,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "node",
        "-file",
        cert.toString(),
        "-storetype",
        "PKCS12",
        "-keystore",
        trustStore.toString(),
        "-storepass",
        PASSWORD);
    return new Path[] {keyStore, trustStore};
  }

  private static Config tls(Path keyStore, Path trustStore) {
    return ConfigFactory.parseString(
            String.join(
                "\n",
                "tandem.cluster.tls.enabled = on",
                "tandem.cluster.tls.key-store = \"" + keyStore + "\"",
                "tandem.cluster.tls.key-store-password = \"" + PASSWORD + "\"",
                "tandem.cluster.tls.trust-store = \"" + trustStore + "\"",
                "tandem.cluster.tls.trust-store-password = \"" + PASSWORD + "\""))
        .withFallback(ConfigFactory.load());
  }

  private ActorSystem<Void> node(Config tls) {
    Config config =
        ClusterTls.overrides(tls)
            .withFallback(
                ConfigFactory.parseString(
                    String.join(
                        "\n",
                        "pekko.remote.artery.canonical.hostname = 127.0.0.1",
                        "pekko.remote.artery.canonical.port = 0",
                        "pekko.cluster.seed-nodes = []",
                        "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on",
                        "pekko.coordinated-shutdown.exit-jvm = off",
                        "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off")))
            .withFallback(tls);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "tandem", config);
    systems.add(system);
    return system;
  }

  @Test
  void twoNodesFormAClusterOverTls() throws Exception {
    Path[] stores = stores("a");
    Config tls = tls(stores[0], stores[1]);
    ActorSystem<Void> first = node(tls);
    ActorSystem<Void> second = node(tls);
    assertEquals("tls-tcp", first.settings().config().getString("pekko.remote.artery.transport"));
    Cluster.get(first).manager().tell(Join.create(Cluster.get(first).selfMember().address()));
    Cluster.get(second).manager().tell(Join.create(Cluster.get(first).selfMember().address()));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> upMembers(first) == 2 && upMembers(second) == 2);

    // the remoting port speaks TLS 1.3 with mutual authentication: a client with the key shakes
    // hands
    int port = Cluster.get(first).selfMember().address().getPort().get();
    try (SSLSocket socket =
        (SSLSocket)
            context(stores[0], stores[1]).getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.startHandshake();
      assertEquals("TLSv1.3", socket.getSession().getProtocol());
    }
    // a key the cluster does not trust gets no session
    Path[] stranger = stores("stranger");
    try (SSLSocket socket =
        (SSLSocket)
            context(stranger[0], stranger[1]).getSocketFactory().createSocket("127.0.0.1", port)) {
      assertThrows(java.io.IOException.class, socket::startHandshake);
    }
  }

  @Test
  void tlsWithoutItsStoresRefusesToStart() {
    Config missing =
        ConfigFactory.parseString(
                "tandem.cluster.tls.enabled = on\ntandem.cluster.tls.key-store = \"/nonexistent\"")
            .withFallback(ConfigFactory.load());
    assertThrows(IllegalArgumentException.class, () -> ClusterTls.overrides(missing));
    assertEquals(
        ConfigFactory.empty(), ClusterTls.overrides(ConfigFactory.load()), "off by default");
  }

  private static int upMembers(ActorSystem<?> s) {
    int up = 0;
    for (var m : Cluster.get(s).state().getMembers()) {
      if (m.status().equals(MemberStatus.up())) {
        up++;
      }
    }
    return up;
  }

  private static SSLContext context(Path keyStore, Path trustStore) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(keyStore.toFile())) {
      keys.load(in, PASSWORD.toCharArray());
    }
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(trustStore.toFile())) {
      trusted.load(in, PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD.toCharArray());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }
}
