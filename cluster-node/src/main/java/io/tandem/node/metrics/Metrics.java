package io.tandem.node.metrics;

import com.typesafe.config.Config;
import kamon.Kamon;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Kamon for a node process: its Pekko instrumentation (the Kanela agent attaches here, so
 * this must run before the actor system exists) and the Prometheus endpoint. Off with {@code
 * TANDEM_METRICS=off}: then Tandem's own instruments still count in memory, but nothing is
 * instrumented or served.
 */
public final class Metrics {
  private static final Logger log = LoggerFactory.getLogger(Metrics.class);

  private Metrics() {}

  /** Initialises Kamon with {@code config} when metrics are enabled; returns whether it did. */
  public static boolean start(Config config) {
    MetricsSettings settings = MetricsSettings.fromConfig(config);
    if (!settings.enabled()) {
      log.info("metrics off (tandem.metrics.enabled): no instrumentation, no Prometheus endpoint");
      return false;
    }
    Kamon.init(config);
    log.info(
        "metrics: Prometheus endpoint on http://{}:{}/metrics", settings.host(), settings.port());
    return true;
  }

  /** Stops Kamon's reporters and endpoint (at the end of coordinated shutdown). */
  public static void stop() {
    Kamon.stop();
  }
}
