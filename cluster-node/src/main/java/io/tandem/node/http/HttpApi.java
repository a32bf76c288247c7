package io.tandem.node.http;

import io.tandem.node.auth.DevTokens;
import io.tandem.node.auth.LinkSettings;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.JournalReadiness;
import io.tandem.node.cluster.NodeHealth;
import io.tandem.node.cluster.ShardRegions;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionIndex;
import io.tandem.protocol.FrameCodec;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.IntSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Every route a node serves (protocol 9 and the WebSocket upgrade), composed in this one place,
 * each concern in its own route class:
 *
 * <table>
 *   <caption>Route classes</caption>
 *   <tr><th>paths</th><th>class</th></tr>
 *   <tr><td>{@code /v1/ws}</td><td>the WebSocket edge, given as {@code webSocket}</td></tr>
 *   <tr><td>{@code /healthz}, {@code /readyz}</td><td>{@link HealthRoutes}</td></tr>
 *   <tr><td>{@code /v1/sessions}, {@code /v1/sessions/{session}} (GET, DELETE)</td>
 *       <td>{@link SessionRoutes}, {@link SessionListing}</td></tr>
 *   <tr><td>{@code /v1/sessions/{session}/events}</td><td>{@link ExportRoute}</td></tr>
 *   <tr><td>{@code /v1/status}</td><td>{@link NodeStatus}</td></tr>
 *   <tr><td>{@code /v1/dev/token}</td><td>{@link DevTokenRoute}</td></tr>
 *   <tr><td>{@code /v1/assets/{id}}</td><td>{@link Assets}</td></tr>
 *   <tr><td>{@code /v1/links}</td><td>{@link Links}</td></tr>
 *   <tr><td>{@code /}, the pages and their files</td><td>{@link WebClient}</td></tr>
 * </table>
 *
 * <p>Routes only parse, authorise and translate; state comes from the entities and the journal.
 * Every error is JSON {@code {code, message}}, its code and status from {@link HttpErrors} ({@link
 * JsonErrors} also turns Pekko HTTP's own refusals into that shape). Blocks on nothing.
 */
public final class HttpApi extends AllDirectives {

  /**
   * What every route class shares: the node's actor system, {@code tandem.http}, the token
   * verifier, signed links (when on) and the clock.
   */
  public record Edge(
      ActorSystem<?> system,
      HttpSettings settings,
      TokenVerifier verifier,
      Optional<SignedLinks> links,
      Clock clock) {}

  /**
   * The parts of the node the routes read: its sessions, its shard regions, its open WebSocket
   * connections, the codec exports are written with, and {@code tandem.node-name} when set.
   */
  public record NodeParts(
      SessionEntities entities,
      ShardRegions regions,
      IntSupplier openConnections,
      FrameCodec codec,
      Optional<String> nodeName) {}

  /**
   * What is on or off, or sized, per node: dev tokens (dev mode only) and their longest lifetime,
   * signed links' settings, and the largest asset.
   */
  public record Features(
      Optional<DevTokens> devTokens,
      Duration devTokenMaxTtl,
      LinkSettings linkSettings,
      long maxAssetBytes) {}

  private final Route route;

  private HttpApi(Edge edge, NodeParts node, Features features, Route webSocket) {
    ActorSystem<?> system = edge.system();
    HttpSettings settings = edge.settings();
    TokenVerifier verifier = edge.verifier();
    SessionIndex index = new SessionIndex(system);
    ReadableSessions readable =
        new ReadableSessions(system, settings, verifier, node.entities(), index);
    SessionListing listing =
        new SessionListing(system, verifier, settings, index, node.entities(), node.regions());
    this.route =
        concat(
            webSocket,
            new HealthRoutes(system, verifier, new NodeHealth(system)).route(),
            new SessionRoutes(system, settings, verifier, node.entities(), listing, readable)
                .route(),
            new ExportRoute(
                    system,
                    verifier,
                    edge.links(),
                    new SessionExport(system, node.codec()),
                    readable)
                .route(),
            new NodeStatus(
                    system,
                    settings,
                    verifier,
                    node.regions(),
                    new JournalReadiness(system.classicSystem()),
                    node.openConnections(),
                    node.nodeName())
                .route(),
            new DevTokenRoute(
                    system,
                    verifier,
                    features.devTokens(),
                    features.devTokenMaxTtl(),
                    settings.devTokenDefaultTtl(),
                    edge.clock())
                .route(),
            new Assets(
                    system, verifier, edge.links(), settings.askTimeout(), features.maxAssetBytes())
                .route(),
            new Links(system, verifier, edge.links(), features.linkSettings()).route(),
            new WebClient().route());
  }

  /** The node's whole route: {@code webSocket} and every HTTP route, with JSON errors. */
  public static Route route(Edge edge, NodeParts node, Features features, Route webSocket) {
    return new JsonErrors().wrap(new HttpApi(edge, node, features, webSocket).route);
  }
}
