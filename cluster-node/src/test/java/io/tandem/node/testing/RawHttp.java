package io.tandem.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * HTTP/1.1 over a plain socket, for requests {@code java.net.http} refuses to make (its own {@code
 * Host}, a body that stalls) and from a chosen local address. One request per connection.
 */
public final class RawHttp {
  private RawHttp() {}

  /** A status and body. */
  public record Response(int status, String head, String body) {
    public JsonNode json() throws Exception {
      return WsClient.JSON.readTree(body);
    }
  }

  /**
   * Sends {@code head} (request line and headers, without the blank line; {@code Connection: close}
   * is added) and {@code body} to {@code host:port}, and reads the answer until the server closes
   * or {@code timeout} passes.
   */
  public static Response send(String host, int port, String head, byte[] body, Duration timeout)
      throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 5000);
      s.setSoTimeout((int) timeout.toMillis());
      OutputStream out = s.getOutputStream();
      out.write((head + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          all.write(buf, 0, n);
          if (complete(all.toString(StandardCharsets.UTF_8))) {
            break;
          }
        }
      } catch (java.net.SocketTimeoutException e) {
        // what arrived so far
      }
      String text = all.toString(StandardCharsets.UTF_8);
      int split = text.indexOf("\r\n\r\n");
      if (split < 0) {
        throw new AssertionError("no HTTP answer: " + text);
      }
      String headPart = text.substring(0, split);
      int status = Integer.parseInt(headPart.split(" ")[1]);
      return new Response(status, headPart, text.substring(split + 4));
    }
  }

  private static boolean complete(String text) {
    int split = text.indexOf("\r\n\r\n");
    if (split < 0) {
      return false;
    }
    for (String line : text.substring(0, split).split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        int length = Integer.parseInt(line.substring(15).trim());
        return text.getBytes(StandardCharsets.UTF_8).length - split - 4 >= length;
      }
    }
    return false;
  }
}
