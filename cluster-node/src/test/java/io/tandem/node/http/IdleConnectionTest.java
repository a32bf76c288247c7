package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.OneNodeTest;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive connection left idle is closed after {@code pekko.http.server.idle-timeout}, so that
 * idle sockets cannot pile up on a node; one that keeps asking stays open.
 */
class IdleConnectionTest extends OneNodeTest {
  private static final int IDLE_MILLIS = 1500;

  IdleConnectionTest() {
    super("pekko.http.server.idle-timeout = " + IDLE_MILLIS + "ms");
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAndABusyOneIsNot() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", node.node().port()), 5000);
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      // busy: a request every third of the idle timeout, each answered on the same connection
      for (int i = 0; i < 6; i++) {
        out.write(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertTrue(readResponse(in).startsWith("HTTP/1.1 200"), "request " + i + " answered");
        waitWithoutReading(s, IDLE_MILLIS / 3);
      }
      // idle: the server ends the connection by itself
      long idleSince = System.nanoTime();
      assertTrue(closedByServer(in), "the idle connection was closed");
      long idleMillis = (System.nanoTime() - idleSince) / 1_000_000;
      assertTrue(idleMillis < 15_000, "closed within the test's patience: " + idleMillis);
    }
  }

  /**
   * Whether the next read finds the connection ended: a FIN (Netty closes gracefully) or a reset
   * (Pekko HTTP aborts the idle connection).
   */
  private static boolean closedByServer(InputStream in) throws Exception {
    try {
      return in.read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  /** Blocks for about {@code millis}, failing if the server sends or closes meanwhile. */
  private static void waitWithoutReading(Socket s, int millis) throws Exception {
    int previous = s.getSoTimeout();
    s.setSoTimeout(millis);
    try {
      int b = s.getInputStream().read();
      throw new AssertionError("the server spoke or closed while the client was busy: " + b);
    } catch (SocketTimeoutException expected) {
      // nothing came: the connection is still open
    } finally {
      s.setSoTimeout(previous);
    }
  }

  /** Reads one response with a Content-Length body and returns its head. */
  private static String readResponse(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("closed mid-response: " + head);
      }
      head.append((char) b);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return head.toString();
  }
}
