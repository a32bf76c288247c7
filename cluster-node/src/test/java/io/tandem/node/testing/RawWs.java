package io.tandem.node.testing;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client on a bare socket, for hostile tests: it writes whatever it is told (malformed,
 * fragmented, unmasked-looking, as fast as the socket takes them, without waiting for replies)
 * while a reader thread collects what the server sends and the close code. Not a general client.
 */
public final class RawWs implements AutoCloseable {
  private static final Random MASKS = new Random(1);

  private final Socket socket;
  private final OutputStream out;
  private final int status;
  private final String responseHead;
  private final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();

  /** How the socket ended after the close frame: true at end of stream, false on a reset. */
  private final CompletableFuture<Boolean> ended = new CompletableFuture<>();

  private volatile long closedAtNanos;
  private DataInputStream input;
  private boolean readerThread;

  private RawWs(Socket socket, OutputStream out, int status, String responseHead) {
    this.socket = socket;
    this.out = out;
    this.status = status;
    this.responseHead = responseHead;
  }

  /**
   * Opens {@code ws://host:port/path} with extra request headers (Origin, subprotocol, ...). A
   * response other than 101 is kept ({@link #status}, {@link #responseHead}) and nothing is read.
   */
  public static RawWs connect(String wsUrl, Map<String, String> headers) throws IOException {
    return connect(wsUrl, headers, true);
  }

  /**
   * Opens like {@link #connect(String, Map)}; without {@code readerThread} nothing is read until
   * {@link #readAvailable} is called, as a single-threaded client that writes with blocking calls
   * and reads between them.
   */
  public static RawWs connect(String wsUrl, Map<String, String> headers, boolean readerThread)
      throws IOException {
    URI uri = URI.create(wsUrl);
    Socket socket = new Socket(uri.getHost(), uri.getPort());
    socket.setSoTimeout(30_000);
    OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
    byte[] nonce = new byte[16];
    MASKS.nextBytes(nonce);
    Map<String, String> all = new LinkedHashMap<>();
    all.put("Host", uri.getHost() + ":" + uri.getPort());
    all.put("Upgrade", "websocket");
    all.put("Connection", "Upgrade");
    all.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(nonce));
    all.put("Sec-WebSocket-Version", "13");
    all.putAll(headers);
    StringBuilder req = new StringBuilder("GET " + uri.getRawPath() + " HTTP/1.1\r\n");
    all.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
    req.append("\r\n");
    out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    InputStream in = socket.getInputStream();
    String head = readHead(in);
    int status = Integer.parseInt(head.split(" ", 3)[1]);
    RawWs ws = new RawWs(socket, out, status, head);
    ws.input = new DataInputStream(in);
    ws.readerThread = readerThread;
    if (status == 101 && readerThread) {
      Thread reader = new Thread(() -> ws.readLoop(new DataInputStream(in)), "raw-ws-reader");
      reader.setDaemon(true);
      reader.start();
    }
    return ws;
  }

  /** Opens with no extra headers. */
  public static RawWs connect(String wsUrl) throws IOException {
    return connect(wsUrl, Map.of());
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int last4 = 0;
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed during the handshake");
      }
      b.write(c);
      last4 = (last4 << 8) | c;
      if (last4 == 0x0d0a0d0a) {
        return b.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  /** The HTTP status of the upgrade response. */
  public int status() {
    return status;
  }

  /** The response's status line and headers. */
  public String responseHead() {
    return responseHead;
  }

  /** The body of a refused upgrade (up to its Content-Length). */
  public String body() throws IOException {
    int length = 0;
    for (String line : responseHead.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = new DataInputStream(socket.getInputStream()).readNBytes(length);
    return new String(body, StandardCharsets.UTF_8);
  }

  private final ByteArrayOutputStream message = new ByteArrayOutputStream();

  private void readLoop(DataInputStream in) {
    try {
      while (true) {
        if (!readFrame(in)) {
          break;
        }
      }
      // after the close frame: read on to the end of the stream (the server's orderly close)
      while (in.read() >= 0) {
        // data after a close frame is not expected; skipped
      }
      ended.complete(true);
    } catch (IOException e) {
      closed.complete(-1); // the socket ended without a close frame
      ended.complete(false);
    }
  }

  /**
   * For a client without a reader thread: reads the frames whose first bytes have arrived, without
   * waiting for more. True once the close frame was read.
   */
  public boolean readAvailable() throws IOException {
    try {
      while (!closed.isDone() && input.available() > 0) {
        readFrame(input);
      }
    } catch (IOException e) {
      closed.complete(-1);
      ended.complete(false);
      throw e;
    }
    return closed.isDone() && closed.getNow(-1) != -1;
  }

  /** Reads one frame; false once it was the close frame. */
  private boolean readFrame(DataInputStream in) throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] payload = in.readNBytes((int) len);
    int opcode = b0 & 0x0f;
    if (opcode == 0x8) {
      closedAtNanos = System.nanoTime();
      closed.complete(
          payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005);
      return false;
    }
    if (opcode == 0x9 || opcode == 0xA) {
      return true; // transport ping/pong
    }
    message.write(payload);
    if ((b0 & 0x80) != 0) {
      messages.add(message.toByteArray());
      message.reset();
    }
    return true;
  }

  /** Sends a text frame (masked, as a client must), without flushing. */
  public void text(String s) throws IOException {
    frame(0x1, s.getBytes(StandardCharsets.UTF_8), true);
  }

  /** Sends a binary frame, without flushing. */
  public void binary(byte[] data) throws IOException {
    frame(0x2, data, true);
  }

  /** Writes one frame with any opcode and fin bit, masked, without flushing. */
  public synchronized void frame(int opcode, byte[] payload, boolean fin) throws IOException {
    out.write((fin ? 0x80 : 0) | (opcode & 0x0f));
    int n = payload.length;
    if (n < 126) {
      out.write(0x80 | n);
    } else if (n < 65536) {
      out.write(0x80 | 126);
      out.write(n >>> 8);
      out.write(n);
    } else {
      out.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        out.write((int) ((long) n >>> (8 * i)));
      }
    }
    byte[] mask = new byte[4];
    MASKS.nextBytes(mask);
    out.write(mask);
    byte[] masked = new byte[n];
    for (int i = 0; i < n; i++) {
      masked[i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    out.write(masked);
  }

  /** Writes bytes as they are (half frames, garbage), without flushing. */
  public synchronized void raw(byte[] bytes) throws IOException {
    out.write(bytes);
  }

  public synchronized void flush() throws IOException {
    out.flush();
  }

  /** The next whole message the server sent, or null after {@code timeout}. */
  public byte[] poll(Duration timeout) throws InterruptedException {
    return messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next text message as a string, or null after {@code timeout}. */
  public String pollText(Duration timeout) throws InterruptedException {
    byte[] m = poll(timeout);
    return m == null ? null : new String(m, StandardCharsets.UTF_8);
  }

  /** The close code the server sent (-1: the socket ended without one), within {@code timeout}. */
  public int awaitClose(Duration timeout) {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("no close within " + timeout, e);
    }
  }

  public boolean isClosed() {
    return closed.isDone();
  }

  /** When the close frame arrived ({@link System#nanoTime}), 0 before. */
  public long closedAtNanos() {
    return closedAtNanos;
  }

  /** Answers the server's close frame with one of its own (status 1000), flushed. */
  public void replyClose() throws IOException {
    frame(0x8, new byte[] {0x03, (byte) 0xe8}, true);
    flush();
  }

  /**
   * Waits for the socket to end after the close frame: true if the server ended it in order (end of
   * stream), false on a reset; an AssertionError if it is still open after {@code timeout}.
   */
  public boolean awaitEnd(Duration timeout) {
    if (!readerThread && !ended.isDone()) {
      // no reader thread: read on here, to the end of the stream or a reset
      try {
        socket.setSoTimeout((int) timeout.toMillis());
        while (input.read() >= 0) {
          // data after a close frame is not expected; skipped
        }
        ended.complete(true);
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("the socket was still open " + timeout + " after the close", e);
      } catch (IOException e) {
        ended.complete(false);
      }
    }
    try {
      return ended.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("the socket was still open " + timeout + " after the close", e);
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
