package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rules of {@link DevTokenGate} and {@link PrincipalRateLimit}, one by one. */
class DevTokenGateTest {
  private static final Optional<InetAddress> LOOPBACK =
      Optional.of(InetAddress.getLoopbackAddress());

  private static Optional<String> refusal(
      Optional<InetAddress> peer, String host, String origin, String site, String type) {
    return DevTokenGate.refusal(
        peer,
        Optional.ofNullable(host),
        Optional.ofNullable(origin),
        Optional.ofNullable(site),
        type);
  }

  @Test
  void theSocketsAddressHostOriginAndBodyTypeMustAllBeLocal() throws Exception {
    String json = "application/json";
    assertEquals(Optional.empty(), refusal(LOOPBACK, "127.0.0.1:8080", null, null, json));
    assertEquals(Optional.empty(), refusal(LOOPBACK, "localhost", null, null, json));
    assertEquals(
        Optional.empty(), refusal(LOOPBACK, "[::1]:8080", "http://[::1]:8080", null, json));
    assertEquals(Optional.empty(), refusal(LOOPBACK, "127.0.0.1:80", null, "same-origin", json));

    Optional<InetAddress> remote = Optional.of(InetAddress.getByName("192.0.2.7"));
    assertTrue(refusal(remote, "127.0.0.1:8080", null, null, json).isPresent());
    assertTrue(refusal(Optional.empty(), "127.0.0.1:8080", null, null, json).isPresent());
    assertTrue(refusal(LOOPBACK, null, null, null, json).isPresent(), "no Host");
    for (String host :
        new String[] {
          "evil.example",
          "evil.example:8080",
          "127.0.0.1.evil.example",
          "0.0.0.0:8080",
          "10.0.0.1",
          "[::2]",
          "localhost.evil.example",
          "127.0.0.1:8080:1"
        }) {
      assertTrue(refusal(LOOPBACK, host, null, null, json).isPresent(), host);
    }
    assertTrue(refusal(LOOPBACK, "127.0.0.1:8080", "null", null, json).isPresent());
    assertTrue(
        refusal(LOOPBACK, "127.0.0.1:8080", "http://127.0.0.1:8081", null, json).isPresent());
    assertTrue(
        refusal(LOOPBACK, "127.0.0.1:8080", "https://127.0.0.1:8080", null, json).isPresent());
    assertTrue(refusal(LOOPBACK, "127.0.0.1:8080", null, "cross-site", json).isPresent());
    assertTrue(refusal(LOOPBACK, "127.0.0.1:8080", null, "same-site", json).isPresent());
    assertTrue(
        refusal(LOOPBACK, "127.0.0.1:8080", "http://127.0.0.1:8080", null, "text/plain")
            .isPresent(),
        "a browser's simple POST, even from the node's own origin");
    assertTrue(
        refusal(LOOPBACK, "127.0.0.1:8080", null, "same-origin", "multipart/form-data")
            .isPresent());
    assertTrue(
        refusal(LOOPBACK, "127.0.0.1:8080", null, null, "text/plain").isEmpty(),
        "a script on this machine sends neither Origin nor Sec-Fetch-Site");
  }

  @Test
  void aPrincipalsBucketAllowsItsBurstThenItsRate() {
    AtomicLong now = new AtomicLong();
    PrincipalRateLimit limit = new PrincipalRateLimit(2, 3, now::get);
    assertTrue(limit.tryAcquire("a"));
    assertTrue(limit.tryAcquire("a"));
    assertTrue(limit.tryAcquire("a"));
    assertFalse(limit.tryAcquire("a"), "burst of 3 used");
    assertTrue(limit.tryAcquire("b"), "b has its own bucket");
    now.addAndGet(500_000_000L); // half a second: one token at 2/s
    assertTrue(limit.tryAcquire("a"));
    assertFalse(limit.tryAcquire("a"));
    assertTrue(new PrincipalRateLimit(0, 1, now::get).tryAcquire("x"), "0 turns it off");
  }
}
