package io.tandem.node.auth;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, read-only, time-limited links (protocol 9, {@code POST /v1/links}): an HMAC-SHA256 over
 * the resource path, its other query parameters, the expiry and the one grant the link carries,
 * checked without any state on any node that has the same key. A link's query adds {@value
 * #EXPIRES} (epoch ms), {@value #GRANT} (for example {@code recording:demo:read}) and {@value
 * #SIGNATURE} (base64url, no padding) to the resource's own parameters; changing any of them, the
 * path or another parameter makes the signature fail.
 *
 * <p>The key is {@code HMAC-SHA256(secret, "tandem signed links v1")} where the secret is {@code
 * tandem.links.secret} when set, else the HS256 token secret (so links rotate with it). Without
 * either (a JWKS-only deployment) there are no links. Thread-safe: each call makes its own {@link
 * Mac}; blocks on nothing.
 */
public final class SignedLinks {
  /** The query parameter holding the expiry, epoch milliseconds. */
  public static final String EXPIRES = "link-expires";

  /** The query parameter holding the grant the link gives, {@code <kind>:<name>:read}. */
  public static final String GRANT = "link-grant";

  /** The query parameter holding the signature. */
  public static final String SIGNATURE = "link-sig";

  private static final String PREFIX = "link-";
  private static final String DERIVATION = "tandem signed links v1";

  private final SecretKeySpec key;
  private final Duration maxTtl;
  private final Clock clock;

  private SignedLinks(byte[] key, Duration maxTtl, Clock clock) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
    this.maxTtl = maxTtl;
    this.clock = clock;
  }

  /**
   * The links of this node: keyed by {@code settings.secret()}, else by the HS256 secret; empty
   * when neither is set. An own secret shorter than {@link AuthSettings#MIN_SECRET_BYTES} is
   * refused.
   */
  public static Optional<SignedLinks> create(
      LinkSettings settings, Optional<String> hs256Secret, Clock clock) {
    Optional<String> secret = settings.secret().or(() -> hs256Secret);
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    byte[] raw = secret.get().getBytes(StandardCharsets.UTF_8);
    if (settings.secret().isPresent() && raw.length < AuthSettings.MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "tandem.links.secret must be at least " + AuthSettings.MIN_SECRET_BYTES + " bytes");
    }
    return Optional.of(
        new SignedLinks(
            hmac(raw, DERIVATION.getBytes(StandardCharsets.UTF_8)), settings.maxTtl(), clock));
  }

  /** The longest lifetime a link may be given. */
  public Duration maxTtl() {
    return maxTtl;
  }

  /** The time links are signed and checked against. */
  public Instant now() {
    return clock.instant();
  }

  /** {@link #verify(String, List, Instant)} at the current time. */
  public Principal verify(String resource, List<Map.Entry<String, String>> query)
      throws AuthException {
    return verify(resource, query, clock.instant());
  }

  /** Whether a request's query carries a link signature (then the link, not a bearer, decides). */
  public static boolean isSigned(List<Map.Entry<String, String>> query) {
    return query.stream().anyMatch(e -> e.getKey().equals(SIGNATURE));
  }

  /** Whether a parameter name is one of the link's own (a resource path may not carry them). */
  public static boolean isLinkParameter(String name) {
    return name.startsWith(PREFIX);
  }

  /**
   * The link parameters for {@code resource} (a decoded path such as {@code
   * /v1/sessions/recording:x/events}) with its other parameters {@code query}, valid until {@code
   * expires} for {@code grant}: the query string to append, already URL-encoded.
   */
  public String sign(
      String resource, List<Map.Entry<String, String>> query, Instant expires, String grant) {
    long exp = expires.toEpochMilli();
    String sig = signature(resource, query, exp, grant);
    return EXPIRES + "=" + exp + "&" + GRANT + "=" + encode(grant) + "&" + SIGNATURE + "=" + sig;
  }

  /**
   * Checks the link parameters of a request for {@code resource} with {@code query} (all its
   * parameters, the link's included) at {@code now}: the principal the link stands for (its grant,
   * valid until the link's expiry), or an {@link AuthException} saying why not (malformed, altered
   * or for another path, expired).
   */
  public Principal verify(String resource, List<Map.Entry<String, String>> query, Instant now)
      throws AuthException {
    String exp = single(query, EXPIRES);
    String grant = single(query, GRANT);
    String sig = single(query, SIGNATURE);
    if (exp == null || grant == null || sig == null || !exp.matches("[0-9]{1,15}")) {
      throw new AuthException(
          "a signed link needs exactly one " + EXPIRES + ", " + GRANT + " and " + SIGNATURE);
    }
    long expires = Long.parseLong(exp);
    byte[] expected =
        signature(resource, query, expires, grant).getBytes(StandardCharsets.US_ASCII);
    if (!MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII))) {
      throw new AuthException("the link's signature does not match (altered, or another path)");
    }
    Instant until = Instant.ofEpochMilli(expires);
    if (!now.isBefore(until)) {
      throw new AuthException("the link expired at " + until);
    }
    return new Principal("link", Grants.parse(grant), until);
  }

  private String signature(
      String resource, List<Map.Entry<String, String>> query, long expires, String grant) {
    String message =
        "GET\n" + resource + "\n" + canonicalQuery(query) + "\n" + expires + "\n" + grant;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(hmac(key.getEncoded(), message.getBytes(StandardCharsets.UTF_8)));
  }

  /** The resource's own parameters (not the link's), sorted, encoded: what the signature covers. */
  static String canonicalQuery(List<Map.Entry<String, String>> query) {
    List<Map.Entry<String, String>> own = new ArrayList<>();
    for (Map.Entry<String, String> e : query) {
      if (!isLinkParameter(e.getKey())) {
        own.add(e);
      }
    }
    own.sort(
        Comparator.comparing((Map.Entry<String, String> e) -> e.getKey())
            .thenComparing(Map.Entry::getValue));
    return own.stream()
        .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
        .collect(Collectors.joining("&"));
  }

  private static String single(List<Map.Entry<String, String>> query, String name) {
    String found = null;
    for (Map.Entry<String, String> e : query) {
      if (e.getKey().equals(name)) {
        if (found != null) {
          return null;
        }
        found = e.getValue();
      }
    }
    return found;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static byte[] hmac(byte[] key, byte[] message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(message);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
