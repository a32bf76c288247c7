package io.tandem.node.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** Config for a test's actor system without a cluster: the node's own config, actors local. */
public final class LocalActors {
  private LocalActors() {}

  /** The node's config with {@code pekko.actor.provider = local} and then {@code lines} on top. */
  public static Config config(String... lines) {
    return ConfigFactory.parseString("pekko.actor.provider = local\n" + String.join("\n", lines))
        .withFallback(ConfigFactory.load());
  }
}
