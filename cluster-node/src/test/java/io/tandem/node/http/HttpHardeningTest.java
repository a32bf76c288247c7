package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.auth.DevTokens;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.RawHttp;
import io.tandem.node.testing.WsClient;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge against hostile callers (issue 18, items 4, 8, 5's rate limit, 11's JSON errors):
 * dev tokens only for this machine, asked by a loopback name, from the node's own pages; only
 * {@code node:*:admin} opens {@code /v1/status}; a principal past its request rate gets 429; every
 * error is JSON. The node listens on every interface (dev mode forced), so a request from this
 * machine's own non-loopback address is a remote caller.
 */
class HttpHardeningTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration T = Duration.ofSeconds(10);

  HttpHardeningTest() {
    super(
        "tandem.dev-mode = true",
        "tandem.http.host = \"0.0.0.0\"",
        "tandem.dev-mode-allow-non-loopback = true",
        "tandem.http.rate-limit.requests-per-second = 1",
        "tandem.http.rate-limit.burst = 5");
  }

  private static final String BODY = "{\"sub\":\"mallory\",\"scope\":\"node:*:admin\"}";

  private RawHttp.Response devToken(String host, String... headers) throws Exception {
    return devTokenFrom("127.0.0.1", host, "application/json", headers);
  }

  private RawHttp.Response devTokenFrom(
      String address, String host, String contentType, String... headers) throws Exception {
    StringBuilder head =
        new StringBuilder("POST /v1/dev/token HTTP/1.1\r\nHost: ")
            .append(host)
            .append("\r\nContent-Type: ")
            .append(contentType)
            .append("\r\nContent-Length: ")
            .append(BODY.getBytes(StandardCharsets.UTF_8).length);
    for (String h : headers) {
      head.append("\r\n").append(h);
    }
    return RawHttp.send(
        address, node.node().port(), head.toString(), BODY.getBytes(StandardCharsets.UTF_8), T);
  }

  private String self() {
    return "127.0.0.1:" + node.node().port();
  }

  @Test
  void devTokensGoToLoopbackCallersWithALoopbackHostAndNoForeignOrigin() throws Exception {
    RawHttp.Response ok = devToken(self());
    assertEquals(200, ok.status(), ok.body());
    assertFalse(ok.json().path("token").asText().isEmpty());
    assertEquals(200, devToken("localhost:" + node.node().port()).status());
    assertEquals(200, devToken(self(), "Origin: http://" + self()).status(), "the node's own page");
    assertEquals(200, devToken(self(), "Sec-Fetch-Site: same-origin").status());

    // DNS rebinding: a page of evil.example that resolves to 127.0.0.1 sends its own Host
    RawHttp.Response rebound = devToken("evil.example:" + node.node().port());
    assertEquals(403, rebound.status());
    assertEquals("forbidden", rebound.json().path("code").asText());
    assertEquals(403, devToken("127.0.0.1.nip.io:" + node.node().port()).status());
    // a cross-site page: a foreign or opaque Origin, or a cross-site fetch
    assertEquals(403, devToken(self(), "Origin: http://evil.example").status());
    assertEquals(403, devToken(self(), "Origin: null").status());
    assertEquals(403, devToken(self(), "Origin: http://localhost:" + node.node().port()).status());
    assertEquals(403, devToken(self(), "Sec-Fetch-Site: cross-site").status());
    // a "simple" POST from a browser needs no preflight: text/plain and forms are refused
    String own = "Origin: http://" + self();
    RawHttp.Response simple = devTokenFrom("127.0.0.1", self(), "text/plain", own);
    assertEquals(403, simple.status());
    assertTrue(simple.json().path("message").asText().contains("application/json"));
    assertEquals(
        403,
        devTokenFrom(
                "127.0.0.1",
                self(),
                "application/x-www-form-urlencoded",
                "Sec-Fetch-Site: same-origin")
            .status());
    // a script on this machine (curl, the side-by-side load generator) sends no browser headers
    assertEquals(200, devTokenFrom("127.0.0.1", self(), "text/plain;charset=UTF-8").status());
  }

  @Test
  void forwardingHeadersDoNotMakeARemoteCallerLocal() throws Exception {
    Optional<InetAddress> external = nonLoopbackAddress();
    Assumptions.assumeTrue(external.isPresent(), "this machine has no non-loopback address");
    String address = external.get().getHostAddress();
    for (String forged :
        new String[] {
          "X-Forwarded-For: 127.0.0.1",
          "X-Forwarded-For: 127.0.0.1, 1.2.3.4",
          "X-Real-IP: 127.0.0.1"
        }) {
      RawHttp.Response r = devTokenFrom(address, self(), "application/json", forged);
      assertEquals(403, r.status(), forged + ": " + r.body());
      assertEquals("forbidden", r.json().path("code").asText());
    }
  }

  @Test
  void devModeRefusesToStartOnANonLoopbackAddressUnlessForced() {
    assertThrows(IllegalStateException.class, () -> DevTokens.checkBind("0.0.0.0", false));
    assertThrows(IllegalStateException.class, () -> DevTokens.checkBind("192.0.2.10", false));
    DevTokens.checkBind("127.0.0.1", false);
    DevTokens.checkBind("localhost", false);
    DevTokens.checkBind("::1", false);
    DevTokens.checkBind("0.0.0.0", true);
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void onlyAGrantOnEveryNodeOpensTheStatus() throws Exception {
    HttpResponse<String> one = get("/v1/status", node.token("q1", "node:?:admin"));
    assertEquals(403, one.statusCode(), "node:?:admin names one-character nodes only");
    assertEquals(403, get("/v1/status", node.token("q2", "node:tandem*:admin")).statusCode());
    assertEquals(200, get("/v1/status", node.token("q3", "node:*:admin")).statusCode());
  }

  @Test
  void aPrincipalPastItsRequestRateGets429() throws Exception {
    String sub = "busy-" + UUID.randomUUID();
    String token = node.token(sub, "room:*:read");
    int ok = 0;
    HttpResponse<String> limited = null;
    for (int i = 0; i < 20 && limited == null; i++) {
      HttpResponse<String> r = get("/v1/sessions?kind=room&limit=1", token);
      if (r.statusCode() == 429) {
        limited = r;
      } else {
        assertEquals(200, r.statusCode(), r.body());
        ok++;
      }
    }
    assertTrue(limited != null, "no 429 after 20 requests");
    assertTrue(ok >= 5, "the burst (5) passes: " + ok);
    assertEquals("rate_limited", WsClient.JSON.readTree(limited.body()).path("code").asText());
    assertEquals(
        200,
        get(
                "/v1/sessions?kind=room&limit=1",
                node.token("calm-" + UUID.randomUUID(), "room:*:read"))
            .statusCode(),
        "another principal has its own bucket");
  }

  @Test
  void everyErrorIsJson() throws Exception {
    String token = node.token("e-" + UUID.randomUUID(), "room:*:read");
    HttpResponse<String> unknown = get("/v1/nothing-here", token);
    assertEquals(404, unknown.statusCode());
    JsonNode body = WsClient.JSON.readTree(unknown.body());
    assertEquals("not_found", body.path("code").asText());
    assertFalse(body.path("message").asText().isEmpty());
    HttpResponse<String> method =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/status"))
                .DELETE()
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, method.statusCode());
    assertEquals("bad_frame", WsClient.JSON.readTree(method.body()).path("code").asText());
    assertTrue(
        method.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    // too malformed for any route: an over-long URI
    RawHttp.Response longUri =
        RawHttp.send(
            "127.0.0.1",
            node.node().port(),
            "GET /v1/" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: " + self(),
            new byte[0],
            T);
    assertEquals(414, longUri.status(), longUri.body());
    assertEquals("bad_frame", longUri.json().path("code").asText());
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws Exception {
    for (NetworkInterface nic :
        java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          return Optional.of(a);
        }
      }
    }
    return Optional.empty();
  }
}
