package io.tandem.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.asset.AssetEntity;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.ErrorCode;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.util.ByteString;

/**
 * 3D assets over HTTP (a Tandem addition): {@code PUT /v1/assets/{id}?lod=high|low} stores a GLB
 * (or any model) once, content-addressed, in the blob store and makes it that level of the asset
 * (needs {@code asset:<id>:publish}); {@code GET /v1/assets/{id}?lod=} serves it with a strong ETag
 * (its SHA-256; 304 on {@code If-None-Match}) and byte ranges (206). A missing level falls back to
 * the other one. Reading needs a grant on the asset itself ({@code asset:<id>:read}, or {@code
 * write}/{@code publish}, which include it); a room grant is not enough, so a tenant's assets stay
 * its own. Hashing runs on the blocking dispatcher.
 */
public final class Assets extends JsonRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
  private static final ContentType GLB =
      ContentTypes.create(
          org.apache.pekko.http.javadsl.model.MediaTypes.customBinary(
              "model", "gltf-binary", false));

  private final ActorSystem<?> system;
  private final BlobStore blobs;
  private final Duration askTimeout;
  private final long maxBytes;
  private final Executor blocking;
  private final Duration uploadTimeout;

  public Assets(
      ActorSystem<?> system,
      TokenVerifier verifier,
      Optional<SignedLinks> links,
      Duration askTimeout,
      long maxBytes) {
    super(system, verifier, links);
    this.system = system;
    this.blobs = Blobs.get(system);
    this.askTimeout = askTimeout;
    this.maxBytes = maxBytes;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.uploadTimeout = HttpSettings.fromConfig(system.settings().config()).uploadTimeout();
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            path(
                segment("assets").slash(segment()),
                id ->
                    parameterOptional(
                        "lod",
                        lod ->
                            concat(
                                put(() -> authenticated(p -> publish(p, id, lod))),
                                readable("/v1/assets/" + id, p -> serve(p, id, lod))))));
  }

  private Route publish(Principal principal, String id, Optional<String> lodParam) {
    if (!ID.matcher(id).matches()) {
      return error(ErrorCode.BAD_FRAME, "an asset id matches " + ID.pattern());
    }
    String lod = lodParam.orElse("high");
    if (!lod.equals("high") && !lod.equals("low")) {
      return error(ErrorCode.BAD_FRAME, "lod is high or low");
    }
    if (!principal.grants().allows("asset", id, Right.PUBLISH)) {
      return error(ErrorCode.FORBIDDEN, "no publish grant for asset:" + id);
    }
    // the asset limit, not the API's parsing limit, bounds this body; read within upload-timeout
    return withSizeLimit(
        maxBytes,
        () ->
            withRequestTimeout(
                uploadTimeout.plus(askTimeout).plus(askTimeout),
                () ->
                    extractRequestEntity(
                        entity ->
                            onComplete(
                                entity.toStrict(uploadTimeout.toMillis(), maxBytes, system),
                                received -> {
                                  if (received.isFailure()) {
                                    return uploadFailed(received.failed().get());
                                  }
                                  return store(id, lod, received.get());
                                }))));
  }

  private Route uploadFailed(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null
        && !JsonErrors.tooLarge(cause)
        && !(cause instanceof java.util.concurrent.TimeoutException)) {
      cause = cause.getCause();
    }
    if (JsonErrors.tooLarge(cause)) {
      return error(ErrorCode.TOO_BIG, "an asset is at most " + maxBytes + " bytes");
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return requestTimeout("the body did not arrive within " + uploadTimeout.toSeconds() + " s");
    }
    return error(ErrorCode.BAD_FRAME, "the body could not be read");
  }

  private Route store(String id, String lod, HttpEntity.Strict strict) {
    byte[] bytes = strict.getData().toArray();
    String type = strict.getContentType().toString();
    if (bytes.length == 0) {
      return error(ErrorCode.BAD_FRAME, "empty asset");
    }
    CompletionStage<AssetEntity.Version> stored =
        CompletableFuture.supplyAsync(() -> bytes, blocking)
            .thenCompose(blobs::put)
            .thenCompose(
                ref ->
                    entity(id)
                        .ask(
                            (org.apache.pekko.actor.typed.ActorRef<AssetEntity.Version> replyTo) ->
                                new AssetEntity.Publish(lod, ref, type, replyTo),
                            askTimeout));
    return onComplete(
        stored,
        result -> {
          if (result.isFailure()) {
            return error(ErrorCode.UNAVAILABLE, "the asset could not be stored, retry");
          }
          ObjectNode body = JSON.createObjectNode();
          body.put("asset", id);
          body.put("lod", lod);
          body.put("hash", result.get().ref().hash());
          body.put("size", result.get().ref().size());
          return json(StatusCodes.CREATED, body);
        });
  }

  private Route serve(Principal principal, String id, Optional<String> lodParam) {
    if (!ID.matcher(id).matches()) {
      return error(ErrorCode.BAD_FRAME, "an asset id matches " + ID.pattern());
    }
    if (!mayRead(principal, id)) {
      return error(ErrorCode.FORBIDDEN, "no read grant for asset:" + id);
    }
    String wanted = lodParam.orElse("high");
    CompletionStage<AssetEntity.State> state = entity(id).ask(AssetEntity.Get::new, askTimeout);
    return onComplete(
        state,
        result -> {
          if (result.isFailure()) {
            return error(ErrorCode.UNAVAILABLE, "retry");
          }
          AssetEntity.Version v = result.get().levels().get(wanted);
          String served = wanted;
          if (v == null) {
            served = wanted.equals("high") ? "low" : "high";
            v = result.get().levels().get(served);
          }
          if (v == null) {
            return error(ErrorCode.NOT_FOUND, "no asset " + id);
          }
          AssetEntity.Version version = v;
          String lod = served;
          EntityTag tag = EntityTag.create(version.ref().hash(), false);
          return conditional(
              tag,
              () ->
                  onSuccess(
                      blobs.get(version.ref()),
                      bytes -> {
                        if (bytes.isEmpty()) {
                          return error(ErrorCode.NOT_FOUND, "asset bytes missing");
                        }
                        return withRangeSupport(
                            () ->
                                complete(
                                    // withRangeSupport adds Accept-Ranges: bytes itself
                                    HttpResponse.create()
                                        .addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
                                        .addHeader(RawHeader.create("X-Tandem-Lod", lod))
                                        .withEntity(
                                            HttpEntities.create(
                                                contentType(version),
                                                ByteString.fromArrayUnsafe(bytes.get())))));
                      }));
        });
  }

  private static ContentType contentType(AssetEntity.Version v) {
    return v.contentType().startsWith("model/gltf-binary")
        ? GLB
        : ContentTypes.APPLICATION_OCTET_STREAM;
  }

  /**
   * Reading an asset needs a grant on that asset: {@code asset:<id>:read}, or {@code write} or
   * {@code publish} on it (both include reading it). A grant on a room says nothing about assets.
   */
  static boolean mayRead(Principal principal, String id) {
    return principal.grants().allows("asset", id, Right.READ)
        || principal.grants().allows("asset", id, Right.PUBLISH);
  }

  private EntityRef<AssetEntity.Command> entity(String id) {
    return ClusterSharding.get(system).entityRefFor(AssetEntity.ENTITY_KEY, id);
  }
}
