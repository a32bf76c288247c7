package io.tandem.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * Mints HS256 tokens with the node's shared secret: for dev mode ({@code POST /v1/dev/token}, the
 * token printed at start) and for tests. Never reachable in production config.
 */
public final class DevTokens {

  private final MACSigner signer;

  public DevTokens(String hs256Secret) {
    try {
      this.signer = new MACSigner(hs256Secret.getBytes(StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalArgumentException("unusable HS256 secret", e);
    }
  }

  /** A token for {@code sub} with {@code scope}, expiring after {@code ttl} from {@code now}. */
  public String mint(String sub, String scope, Duration ttl, Instant now) {
    return mint(sub, null, scope, ttl, now);
  }

  /**
   * A token for {@code sub} with {@code scope} and, when not null, the display {@code name} as
   * typed (a {@code name} claim), expiring after {@code ttl} from {@code now}. Claims are JSON in
   * UTF-8: a subject or name such as {@code Alice Ünïcode} round-trips unchanged. Dev tokens also
   * carry {@code dev: true}, so that a dev-mode page knows it may get a fresh one before this one
   * expires (docs/client.md).
   */
  public String mint(String sub, String name, String scope, Duration ttl, Instant now) {
    JWTClaimsSet.Builder builder =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .claim("scope", scope)
            .claim("dev", true)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(ttl)));
    if (name != null) {
      builder.claim("name", name);
    }
    JWTClaimsSet claims = builder.build();
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("signing failed", e);
    }
    return jwt.serialize();
  }

  /**
   * Refuses dev mode on an interface other machines reach: its tokens carry every grant, and {@code
   * POST /v1/dev/token} trusts this machine. {@code forced} (tandem.dev-mode-allow-non-loopback,
   * TANDEM_DEV_MODE_ALLOW_NON_LOOPBACK) allows it anyway, for a throwaway VM or container.
   *
   * @throws IllegalStateException when {@code bindHost} is not a loopback address and not forced
   */
  public static void checkBind(String bindHost, boolean forced) {
    if (forced || isLoopback(bindHost)) {
      return;
    }
    throw new IllegalStateException(
        "dev mode on "
            + bindHost
            + ", which is not a loopback address: dev tokens would reach other machines. Bind"
            + " TANDEM_HTTP_HOST=127.0.0.1, turn dev mode off, or force it with"
            + " TANDEM_DEV_MODE_ALLOW_NON_LOOPBACK=true");
  }

  static boolean isLoopback(String host) {
    try {
      return java.net.InetAddress.getByName(host.trim().replace("[", "").replace("]", ""))
          .isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }

  /** A fresh random secret for dev mode (48 random bytes, base64url). */
  public static String randomSecret() {
    byte[] bytes = new byte[48];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
