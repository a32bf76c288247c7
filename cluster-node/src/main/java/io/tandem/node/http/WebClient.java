package io.tandem.node.http;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Serves the browser client (module {@code client-web}, on the classpath under {@code tandem-web/})
 * at {@code /}: the landing page at {@code /}, other pages as {@code /<name>.html}, and the built
 * assets under {@code /assets/}, and the sample models of the XR page under {@code /samples/}
 * ({@code cube-high.glb}, ...). HTML and samples are served with {@code Cache-Control: no-cache}
 * (always revalidated, so a new build shows at once); assets have content hashes in their names and
 * are served as immutable for a year. {@code HEAD} is answered wherever {@code GET} is (the
 * server's transparent HEAD, http.conf). Needs no token (protocol section 9: the static web
 * client). Reads classpath resources through Pekko's file directives, which stream them off the
 * actor threads; blocks on nothing itself.
 */
public final class WebClient extends AllDirectives {
  /** The classpath folder the client-web module packages its build into. */
  public static final String ROOT = "tandem-web";

  private static final Pattern ASSET = Pattern.compile("[A-Za-z0-9._-]{1,200}");
  private static final Pattern PAGE = Pattern.compile("[A-Za-z0-9_-]{1,100}\\.html");

  private static final RawHeader NO_CACHE = RawHeader.create("Cache-Control", "no-cache");
  private static final RawHeader IMMUTABLE =
      RawHeader.create("Cache-Control", "public, max-age=31536000, immutable");
  private static final RawHeader NOSNIFF = RawHeader.create("X-Content-Type-Options", "nosniff");

  // Explicit types for what the build emits: module scripts need a JavaScript type.
  private static final Map<String, ContentType> TYPES =
      Map.ofEntries(
          Map.entry("html", ContentTypes.TEXT_HTML_UTF8),
          Map.entry("js", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8)),
          Map.entry("mjs", MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8)),
          Map.entry("css", MediaTypes.TEXT_CSS.toContentType(HttpCharsets.UTF_8)),
          Map.entry("map", ContentTypes.APPLICATION_JSON),
          Map.entry("json", ContentTypes.APPLICATION_JSON),
          Map.entry("svg", MediaTypes.IMAGE_SVG_XML.toContentType()),
          Map.entry("png", MediaTypes.IMAGE_PNG.toContentType()),
          Map.entry("ico", MediaTypes.IMAGE_X_ICON.toContentType()),
          // glTF models (the XR page's samples), as IANA registers them
          Map.entry(
              "glb", ContentTypes.create(MediaTypes.customBinary("model", "gltf-binary", false))),
          Map.entry(
              "gltf",
              ContentTypes.create(
                  MediaTypes.customWithFixedCharset(
                      "model", "gltf+json", HttpCharsets.UTF_8, Map.of(), false))));

  private final ClassLoader loader;

  public WebClient() {
    this(WebClient.class.getClassLoader());
  }

  WebClient(ClassLoader loader) {
    this.loader = loader;
  }

  public Route route() {
    return get(
        () ->
            respondWithHeader(
                NOSNIFF,
                () ->
                    concat(
                        pathSingleSlash(() -> page("index.html")),
                        path(PathMatchers.segment(PAGE), this::page),
                        pathPrefix(
                            "assets",
                            () ->
                                path(
                                    PathMatchers.segment(ASSET),
                                    name -> file("assets/" + name, IMMUTABLE))),
                        pathPrefix(
                            "samples",
                            () ->
                                path(
                                    PathMatchers.segment(ASSET),
                                    name -> file("samples/" + name, NO_CACHE))))));
  }

  private Route page(String name) {
    return file(name, NO_CACHE);
  }

  /** One file of the build, or a rejection (so later routes and the 404 handler apply). */
  private Route file(String relative, RawHeader cache) {
    String resource = ROOT + "/" + relative;
    if (relative.contains("..") || loader.getResource(resource) == null) {
      return reject();
    }
    return respondWithHeader(cache, () -> getFromResource(resource, typeOf(relative), loader));
  }

  static ContentType typeOf(String name) {
    int dot = name.lastIndexOf('.');
    String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    return TYPES.getOrDefault(ext, ContentTypes.APPLICATION_OCTET_STREAM);
  }
}
