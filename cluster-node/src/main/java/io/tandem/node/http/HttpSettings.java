package io.tandem.node.http;

import com.typesafe.config.Config;
import java.time.Duration;

/** Where the node serves HTTP and WebSocket, read once from {@code tandem.http}. */
public record HttpSettings(String host, int port, Duration askTimeout, int maxListedSessions) {

  public static HttpSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.http");
    return new HttpSettings(
        c.getString("host"),
        c.getInt("port"),
        c.getDuration("ask-timeout"),
        c.getInt("max-listed-sessions"));
  }
}
