package io.tandem.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The HMAC of signed links: what it covers, expiry, and where its key comes from. */
class SignedLinksTest {
  private static final String SECRET = "a-token-secret-of-at-least-32-bytes-0123456789";
  private static final String RESOURCE = "/v1/sessions/recording:demo/events";
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

  private static SignedLinks links(Optional<String> own, String hs256) {
    return SignedLinks.create(
            new LinkSettings(own, Duration.ofHours(24), Optional.empty()),
            Optional.ofNullable(hs256),
            Clock.fixed(NOW, java.time.ZoneOffset.UTC))
        .orElseThrow();
  }

  /** The request's whole query: the resource's own parameters, then the link's. */
  private static List<Map.Entry<String, String>> query(
      List<Map.Entry<String, String>> own, String signed) {
    List<Map.Entry<String, String>> all = new ArrayList<>(own);
    for (String pair : signed.split("&")) {
      int eq = pair.indexOf('=');
      all.add(
          Map.entry(
              pair.substring(0, eq),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8)));
    }
    return all;
  }

  @Test
  void aLinkIsValidUntilItsExpiryForItsResourceAndParametersOnly() throws Exception {
    SignedLinks links = links(Optional.empty(), SECRET);
    List<Map.Entry<String, String>> own = List.of(Map.entry("from", "5"), Map.entry("poses", "t"));
    String signed = links.sign(RESOURCE, own, NOW.plusSeconds(60), "recording:demo:read");
    List<Map.Entry<String, String>> q = query(own, signed);

    Principal p = links.verify(RESOURCE, q, NOW.plusSeconds(59));
    assertTrue(p.grants().allows("recording", "demo", Right.READ));
    assertTrue(!p.grants().allows("recording", "other", Right.READ), "only its own resource");
    assertTrue(!p.grants().allows("recording", "demo", Right.PUBLISH), "read only");
    assertEquals(NOW.plusSeconds(60), p.expiresAt());

    // the order of the resource's own parameters does not matter; their values do
    List<Map.Entry<String, String>> reordered = new ArrayList<>(q);
    reordered.add(0, reordered.remove(1));
    links.verify(RESOURCE, reordered, NOW);
    List<Map.Entry<String, String>> changed = new ArrayList<>(q);
    changed.set(0, Map.entry("from", "1"));
    assertThrows(AuthException.class, () -> links.verify(RESOURCE, changed, NOW));
    List<Map.Entry<String, String>> added = new ArrayList<>(q);
    added.add(Map.entry("until", "9"));
    assertThrows(AuthException.class, () -> links.verify(RESOURCE, added, NOW));

    assertThrows(
        AuthException.class,
        () -> links.verify("/v1/sessions/recording:other/events", q, NOW),
        "another path");
    AuthException expired =
        assertThrows(AuthException.class, () -> links.verify(RESOURCE, q, NOW.plusSeconds(60)));
    assertTrue(expired.getMessage().contains("expired"));
  }

  @Test
  void theKeyRotatesWithTheTokenSecretUnlessLinksHaveTheirOwn() throws Exception {
    String signed = links(Optional.empty(), SECRET).sign(RESOURCE, List.of(), NOW, "g:x:read");
    List<Map.Entry<String, String>> q = query(List.of(), signed);
    Instant before = NOW.minusSeconds(1);
    links(Optional.empty(), SECRET).verify(RESOURCE, q, before);
    assertThrows(
        AuthException.class,
        () -> links(Optional.empty(), SECRET + "-rotated").verify(RESOURCE, q, before),
        "a new HS256 secret invalidates old links");

    String own = "links-own-secret-of-at-least-32-bytes-abcdefgh";
    String ownSigned = links(Optional.of(own), SECRET).sign(RESOURCE, List.of(), NOW, "g:x:read");
    List<Map.Entry<String, String>> ownQ = query(List.of(), ownSigned);
    links(Optional.of(own), SECRET + "-rotated").verify(RESOURCE, ownQ, before);
    assertThrows(
        AuthException.class, () -> links(Optional.empty(), SECRET).verify(RESOURCE, ownQ, before));

    assertTrue(
        SignedLinks.create(
                new LinkSettings(Optional.empty(), Duration.ofHours(1), Optional.empty()),
                Optional.empty(),
                Clock.systemUTC())
            .isEmpty(),
        "no secret at all: no links");
    assertThrows(IllegalArgumentException.class, () -> links(Optional.of("too-short"), SECRET));
  }
}
