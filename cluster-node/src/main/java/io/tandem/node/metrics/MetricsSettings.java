package io.tandem.node.metrics;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code tandem.metrics} settings.
 *
 * @param enabled whether {@code Kamon.init} runs: Pekko instrumentation and the Prometheus endpoint
 * @param host interface of the Prometheus endpoint
 * @param port port of the Prometheus endpoint ({@code /metrics})
 * @param sampleInterval how often cluster membership and hosted shards are sampled into gauges
 */
public record MetricsSettings(boolean enabled, String host, int port, Duration sampleInterval) {

  public static MetricsSettings fromConfig(Config config) {
    Config c = config.getConfig("tandem.metrics");
    return new MetricsSettings(
        c.getBoolean("enabled"),
        c.getString("host"),
        c.getInt("port"),
        c.getDuration("sample-interval"));
  }
}
