package io.tandem.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.OneNodeTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The web client against a real node: the JavaScript library's own tests ({@code node --test
 * client-web/test/unit/}: JSON and CBOR, errors, reconnect with backoff and jitter, several node
 * URLs, resume, de-duplication by seq, presence) and the node serving the built pages with their
 * content types and cache headers.
 */
class WebClientTest extends OneNodeTest {
  private final HttpClient http = HttpClient.newHttpClient();

  WebClientTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void clientLibraryPassesItsNodeTestsAgainstTheNode() throws Exception {
    NodeScript.Result run =
        NodeScript.run(
            "client-unit",
            Map.of("TANDEM_URL", node.httpUrl()),
            Duration.ofMinutes(2),
            "--test",
            "--test-reporter=tap",
            "test/unit/");
    assertEquals(0, run.exitCode(), "node --test failed, " + run.failures());
    assertTrue(run.output().contains("# fail 0"), run.output());
    assertTrue(!run.output().contains("# pass 0"), "some tests ran");
  }

  @Test
  void landingPageIsServedAtTheRootWithoutCaching() throws Exception {
    HttpResponse<String> index = get("/");
    assertEquals(200, index.statusCode());
    assertEquals("text/html; charset=UTF-8", index.headers().firstValue("Content-Type").orElse(""));
    assertEquals("no-cache", index.headers().firstValue("Cache-Control").orElse(""));
    assertTrue(index.body().contains("<title>Tandem</title>"), index.body());

    for (String page : new String[] {"room", "record", "watch", "replay", "pointcloud"}) {
      HttpResponse<String> html = get("/" + page + ".html");
      assertEquals(200, html.statusCode(), page);
      assertEquals(
          "text/html; charset=UTF-8", html.headers().firstValue("Content-Type").orElse(""), page);
      assertEquals("no-cache", html.headers().firstValue("Cache-Control").orElse(""), page);
      assertTrue(html.body().contains("src=\"./assets/"), page + " loads its built script");
    }
  }

  @Test
  void hashedAssetsAreImmutableAndTyped() throws Exception {
    String index = get("/").body();
    Matcher script = Pattern.compile("src=\"\\./(assets/[^\"]+\\.js)\"").matcher(index);
    assertTrue(script.find(), "the page loads a hashed script: " + index);
    HttpResponse<String> js = get("/" + script.group(1));
    assertEquals(200, js.statusCode());
    assertTrue(
        js.headers().firstValue("Content-Type").orElse("").startsWith("application/javascript"),
        js.headers().toString());
    assertEquals(
        "public, max-age=31536000, immutable", js.headers().firstValue("Cache-Control").orElse(""));
    Matcher css = Pattern.compile("href=\"\\./(assets/[^\"]+\\.css)\"").matcher(index);
    assertTrue(css.find(), "the page loads a hashed stylesheet");
    assertTrue(
        get("/" + css.group(1))
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("text/css"));
  }

  @Test
  void unknownFilesAreNotFoundAndTheApiIsUntouched() throws Exception {
    assertEquals(404, get("/nothing.html").statusCode());
    assertEquals(404, get("/assets/nothing.js").statusCode());
    assertEquals(404, get("/assets/..%2Fpom.xml").statusCode());
    assertEquals(401, get("/v1/sessions?kind=room").statusCode());
    assertEquals(200, get("/healthz").statusCode());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
