package io.tandem.node.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An external token issuer for tests: one RSA key, its JWKS at {@link #url()}, and tokens it signs.
 * The JWKS endpoint can fail (503, an outage) or hold its answer until {@link #release()} (a
 * stalled issuer); it counts the fetches.
 */
public final class JwksServer implements AutoCloseable {
  public static final String ISSUER = "https://issuer.test";
  public static final String AUDIENCE = "tandem-test";

  private final RSAKey key;
  private final HttpServer server;
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile boolean down;
  private volatile CountDownLatch gate = new CountDownLatch(0);

  public JwksServer() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("k1").generate();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(
        "/jwks",
        exchange -> {
          fetches.incrementAndGet();
          try {
            gate.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
          if (down) {
            exchange.sendResponseHeaders(503, -1);
          } else {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
          }
          exchange.close();
        });
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
  }

  /** How many times the key set was asked for. */
  public int fetches() {
    return fetches.get();
  }

  /** Whether the endpoint answers 503. */
  public void down(boolean isDown) {
    down = isDown;
  }

  /** Holds every fetch until {@link #release()}. */
  public void stall() {
    gate = new CountDownLatch(1);
  }

  public void release() {
    gate.countDown();
  }

  /** An RS256 token of this issuer for {@code audience}. */
  public String token(String sub, String scope, String audience) throws Exception {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .issuer(ISSUER)
            .audience(audience)
            .claim("scope", scope)
            .expirationTime(Date.from(Instant.now().plus(Duration.ofHours(1))))
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
