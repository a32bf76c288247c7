package io.tandem.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.JwksServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef-secret";

  private static AuthSettings settings(String secret) {
    return new AuthSettings(
        Optional.of(secret),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Duration.ofSeconds(30),
        Duration.ofHours(1));
  }

  @Test
  void aValidTokenGivesItsSubjectAndGrants() throws Exception {
    String token =
        new DevTokens(SECRET).mint("alice", "room:*:write", Duration.ofMinutes(5), Instant.now());
    Principal p = TokenVerifier.create(settings(SECRET)).verify(token);
    assertEquals("alice", p.subject());
    assertTrue(p.grants().allows("room", "x", Right.WRITE));
  }

  @Test
  void expiredForgedAndGarbageTokensAreRefused() {
    TokenVerifier verifier = TokenVerifier.create(settings(SECRET));
    DevTokens tokens = new DevTokens(SECRET);
    String expired = tokens.mint("a", "", Duration.ofMinutes(1), Instant.now().minusSeconds(600));
    assertThrows(AuthException.class, () -> verifier.verify(expired));
    String otherKey =
        new DevTokens("another-secret-another-secret-another")
            .mint("a", "", Duration.ofMinutes(1), Instant.now());
    assertThrows(AuthException.class, () -> verifier.verify(otherKey));
    assertThrows(AuthException.class, () -> verifier.verify("not.a.jwt"));
    assertThrows(AuthException.class, () -> verifier.verify(""));
  }

  @Test
  void anUnsignedTokenIsRefused() {
    TokenVerifier verifier = TokenVerifier.create(settings(SECRET));
    // header {"alg":"none"}, payload {"sub":"a","exp":9999999999}
    String none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIiwiZXhwIjo5OTk5OTk5OTk5fQ.";
    assertThrows(AuthException.class, () -> verifier.verify(none));
  }

  @Test
  void aShortSecretIsRefusedAtStart() {
    assertThrows(IllegalArgumentException.class, () -> TokenVerifier.create(settings("short")));
  }

  private static AuthSettings jwks(
      String url, String issuer, String audience, AuthSettings.Jwks j) {
    return new AuthSettings(
        Optional.empty(),
        Optional.of(url),
        Optional.ofNullable(issuer),
        Optional.ofNullable(audience),
        Duration.ofSeconds(30),
        Duration.ofHours(1),
        j);
  }

  @Test
  void anExternalIssuerNeedsIssuerAndAudience() {
    String url = "http://127.0.0.1:9/jwks";
    AuthSettings.Jwks j = AuthSettings.Jwks.DEFAULTS;
    assertThrows(
        IllegalArgumentException.class, () -> TokenVerifier.create(jwks(url, null, null, j)));
    assertThrows(
        IllegalArgumentException.class,
        () -> TokenVerifier.create(jwks(url, JwksServer.ISSUER, null, j)));
    assertThrows(
        IllegalArgumentException.class,
        () -> TokenVerifier.create(jwks(url, null, JwksServer.AUDIENCE, j)));
    TokenVerifier.create(jwks(url, JwksServer.ISSUER, JwksServer.AUDIENCE, j));
  }

  @Test
  void theIssuersKeysOutliveAnOutageAndOtherAudiencesAreRefused() throws Exception {
    try (JwksServer issuer = new JwksServer()) {
      // keys expire after 5 s; fetched again 1 s ahead; an outage is bridged for an hour
      AuthSettings.Jwks j =
          new AuthSettings.Jwks(
              Duration.ofSeconds(5),
              Duration.ofSeconds(1),
              Duration.ofMillis(1500),
              Duration.ofHours(1));
      TokenVerifier verifier =
          TokenVerifier.create(jwks(issuer.url(), JwksServer.ISSUER, JwksServer.AUDIENCE, j));
      String token = issuer.token("ivy", "room:*:read", JwksServer.AUDIENCE);
      assertEquals("ivy", verifier.verify(token).subject());
      assertThrows(
          AuthException.class,
          () -> verifier.verify(issuer.token("ivy", "room:*:read", "another-app")));

      Instant expired = Instant.now().plus(j.cacheTtl());
      issuer.down(true);
      int before = issuer.fetches();
      // past the cache's lifetime, with the issuer asked again and failing, the keys still verify
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                assertEquals("ivy", verifier.verify(token).subject());
                return Instant.now().isAfter(expired) && issuer.fetches() > before;
              });
      assertEquals("ivy", verifier.verify(token).subject());
    }
  }
}
