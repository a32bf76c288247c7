package io.tandem.node.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Artery over TLS between the nodes ({@code tandem.cluster.tls}, {@code TANDEM_CLUSTER_TLS=on}):
 * transport {@code tls-tcp} with mutual authentication, TLS 1.3. Every node presents the key of its
 * key store and accepts only peers whose certificate its trust store holds, so remoting is
 * encrypted and a process without such a key cannot join or send to the cluster. Stores are PKCS#12
 * (or JKS) files; paths and passwords come from the environment (a Kubernetes Secret), never from
 * config files.
 */
public final class ClusterTls {
  private ClusterTls() {}

  /**
   * The Pekko settings TLS needs, to layer over the node's config ({@code
   * overrides.withFallback(config)}); empty when TLS is off.
   *
   * @throws IllegalArgumentException when TLS is on and a store is missing or unreadable
   */
  public static Config overrides(Config root) {
    Config c = root.getConfig("tandem.cluster.tls");
    if (!c.getBoolean("enabled")) {
      return ConfigFactory.empty();
    }
    String keyStore = c.getString("key-store");
    String trustStore = c.getString("trust-store");
    for (String[] store :
        List.of(new String[] {"key-store", keyStore}, new String[] {"trust-store", trustStore})) {
      if (store[1].isBlank() || !Files.isReadable(Path.of(store[1]))) {
        throw new IllegalArgumentException(
            "tandem.cluster.tls is on but tandem.cluster.tls."
                + store[0]
                + " is not a readable file: '"
                + store[1]
                + "' (TANDEM_CLUSTER_TLS_KEY_STORE, TANDEM_CLUSTER_TLS_TRUST_STORE)");
      }
    }
    String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("pekko.remote.artery.transport", "tls-tcp");
    values.put(
        "pekko.remote.artery.ssl.ssl-engine-provider",
        "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider");
    values.put(engine + "key-store", keyStore);
    values.put(engine + "key-store-password", c.getString("key-store-password"));
    String keyPassword = c.getString("key-password");
    values.put(
        engine + "key-password",
        keyPassword.isEmpty() ? c.getString("key-store-password") : keyPassword);
    values.put(engine + "trust-store", trustStore);
    values.put(engine + "trust-store-password", c.getString("trust-store-password"));
    values.put(engine + "protocol", "TLSv1.3");
    values.put(
        engine + "enabled-algorithms", List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"));
    values.put(engine + "require-mutual-authentication", true);
    values.put(engine + "hostname-verification", c.getBoolean("hostname-verification"));
    return ConfigFactory.parseMap(values, "tandem.cluster.tls");
  }
}
