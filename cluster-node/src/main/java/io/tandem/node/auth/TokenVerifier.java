package io.tandem.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * Verifies JWTs with nimbus-jose-jwt: HS256 against the shared secret, RS256/ES256 against an
 * external issuer's JWKS. {@code sub} and {@code exp} are required; {@code iss} and {@code aud} are
 * checked when configured. Thread-safe; verification never blocks except for a JWKS refresh, which
 * nimbus caches.
 */
public final class TokenVerifier {

  private final ConfigurableJWTProcessor<SecurityContext> hs256;
  private final ConfigurableJWTProcessor<SecurityContext> jwks;

  private TokenVerifier(
      ConfigurableJWTProcessor<SecurityContext> hs256,
      ConfigurableJWTProcessor<SecurityContext> jwks) {
    this.hs256 = hs256;
    this.jwks = jwks;
  }

  /** Builds the verifier; fails when no key source is configured or the secret is too short. */
  public static TokenVerifier create(AuthSettings settings) {
    ConfigurableJWTProcessor<SecurityContext> hs = null;
    ConfigurableJWTProcessor<SecurityContext> ext = null;
    if (settings.hs256Secret().isPresent()) {
      byte[] key = settings.hs256Secret().get().getBytes(StandardCharsets.UTF_8);
      if (key.length < AuthSettings.MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "tandem.auth.hs256-secret must be at least "
                + AuthSettings.MIN_SECRET_BYTES
                + " bytes");
      }
      hs = processor(new ImmutableSecret<>(key), Set.of(JWSAlgorithm.HS256), settings);
    }
    if (settings.jwksUrl().isPresent()) {
      try {
        JWKSource<SecurityContext> source =
            JWKSourceBuilder.create(URI.create(settings.jwksUrl().get()).toURL())
                .retrying(true)
                .build();
        ext = processor(source, Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), settings);
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("tandem.auth.jwks-url is not a URL", e);
      }
    }
    if (hs == null && ext == null) {
      throw new IllegalArgumentException(
          "no token key configured: set TANDEM_AUTH_HS256_SECRET or TANDEM_AUTH_JWKS_URL");
    }
    return new TokenVerifier(hs, ext);
  }

  private static ConfigurableJWTProcessor<SecurityContext> processor(
      JWKSource<SecurityContext> keys, Set<JWSAlgorithm> algorithms, AuthSettings settings) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    settings.issuer().ifPresent(exact::issuer);
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audience().orElse(null), exact.build(), new HashSet<>(Set.of("sub", "exp")));
    claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
    p.setJWTClaimsSetVerifier(claims);
    return p;
  }

  /** Verifies the token and returns its principal, or throws with a client-safe reason. */
  public Principal verify(String token) throws AuthException {
    if (token == null || token.isBlank()) {
      throw new AuthException("missing token");
    }
    JWTClaimsSet claims = null;
    Exception last = null;
    for (ConfigurableJWTProcessor<SecurityContext> p :
        new ConfigurableJWTProcessor[] {hs256, jwks}) {
      if (p == null) {
        continue;
      }
      try {
        claims = p.process(token, null);
        break;
      } catch (ParseException | BadJOSEException | JOSEException e) {
        last = e;
      }
    }
    if (claims == null) {
      String why = last == null ? "invalid token" : last.getMessage();
      throw new AuthException("invalid token: " + why);
    }
    Object scope = claims.getClaim("scope");
    return new Principal(
        claims.getSubject(),
        Grants.parse(scope instanceof String s ? s : null),
        claims.getExpirationTime().toInstant());
  }
}
