package io.tandem.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
