package io.tandem.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.tandem.node.asset.AssetEntity;
import io.tandem.node.auth.DevTokens;
import io.tandem.node.auth.LinkSettings;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.ClusterSettings;
import io.tandem.node.cluster.ClusterStart;
import io.tandem.node.cluster.ClusterTls;
import io.tandem.node.cluster.NodeAddress;
import io.tandem.node.cluster.ShardRegions;
import io.tandem.node.fanout.HubManager;
import io.tandem.node.fanout.JournalReader;
import io.tandem.node.fanout.OutboundStats;
import io.tandem.node.fanout.SessionHub;
import io.tandem.node.http.HttpApi;
import io.tandem.node.metrics.Metrics;
import io.tandem.node.metrics.MetricsSettings;
import io.tandem.node.metrics.NodeMetrics;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.participant.ParticipantEntity;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.recording.RecordingRetention;
import io.tandem.node.replay.Replays;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionIndexBackfill;
import io.tandem.node.session.SessionWarmUp;
import io.tandem.node.session.UndeliveredRequests;
import io.tandem.node.ws.ConnectionActor;
import io.tandem.node.ws.ConnectionBalancer;
import io.tandem.node.ws.ConnectionRegistry;
import io.tandem.node.ws.NettyTransport;
import io.tandem.node.ws.WebSocketEndpoint;
import io.tandem.persistence.CassandraSettings;
import io.tandem.persistence.EmbeddedCassandra;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.FrameCodec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.Patterns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Tandem node: the embedded Cassandra when no external one is configured, the actor
 * system, and {@link #init}, the one wiring method that tests call too.
 */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  /** What a running node exposes to its starter (and to tests). */
  public record Node(
      java.net.InetSocketAddress address,
      ConnectionRegistry connections,
      Optional<DevTokens> devTokens,
      ActorRef<HubManager.Command> hubs,
      OutboundStats outbound,
      Replays replays) {
    public int port() {
      return address.getPort();
    }
  }

  public static void main(String[] args) {
    try {
      start();
    } catch (Exception e) {
      // a node whose settings are wrong, or that cannot start (its port taken, its keyspace
      // unreachable), ends with an error: the embedded Cassandra's and Kamon's threads would
      // otherwise keep the JVM up, a process that looks alive and never serves
      log.error("the node could not start", e);
      System.exit(1);
    }
  }

  private static void start() throws Exception {
    CommonPool.ensure();
    Config base = ConfigFactory.load();
    // every setting is read and checked before anything starts
    NodeSettings settings = NodeSettings.fromConfig(base);
    // Kamon's agent instruments Pekko's classes as they load: before any actor system exists
    boolean metrics = Metrics.start(base);
    CassandraSettings cassandra = CassandraSettings.fromConfig(base);
    if (cassandra.useEmbedded()) {
      EmbeddedCassandra embedded = EmbeddedCassandra.create(cassandra);
      log.info("starting the embedded Cassandra under {}", cassandra.dataDir());
      embedded.start();
      Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop, "stop-cassandra"));
      cassandra = cassandra.withContactPoint(embedded.contactPoint());
    }
    String printedSecret = null;
    if (settings.auth().hs256Secret().isEmpty() && settings.auth().jwksUrl().isEmpty()) {
      if (!settings.devMode()) {
        throw new IllegalStateException(
            "no token key: set TANDEM_AUTH_HS256_SECRET (or TANDEM_AUTH_JWKS_URL), "
                + "or TANDEM_DEV_MODE=true for a generated one");
      }
      printedSecret = DevTokens.randomSecret();
      settings = settings.withAuth(settings.auth().withHs256Secret(printedSecret));
    }
    Config config =
        clusterOverrides(base).withFallback(cassandra.pekkoOverrides()).withFallback(base);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "tandem", config);
    if (metrics) {
      CoordinatedShutdown.get(system)
          .addTask(
              CoordinatedShutdown.PhaseActorSystemTerminate(),
              "stop-metrics",
              () -> {
                Metrics.stop();
                return CompletableFuture.completedFuture(Done.getInstance());
              });
    }
    Node node = init(system, settings, Clock.systemUTC());
    String url = "http://" + settings.http().host() + ":" + node.port();
    StringBuilder banner = new StringBuilder("\n\nTandem node ready at ").append(url).append('\n');
    banner
        .append("  WebSocket: ws://")
        .append(settings.http().host())
        .append(':')
        .append(node.port())
        .append("/v1/ws\n");
    if (node.devTokens().isPresent()) {
      // the token goes to an owner-only file, never to stdout or the log
      banner.append(
          DevBanner.tokenLines(
              node.devTokens().get(), Path.of(base.getString("tandem.dev-token-file")), url));
      if (printedSecret != null) {
        banner.append(
            "  (HS256 secret generated for this run; set TANDEM_AUTH_HS256_SECRET to keep tokens across restarts)\n");
      }
    }
    if (jsonLogs()) {
      // stdout carries JSON lines only: the banner becomes one (the dev token is in its file,
      // never in a log line)
      log.info(
          "Tandem node ready at {}, WebSocket ws://{}:{}/v1/ws{}",
          url,
          settings.http().host(),
          node.port(),
          node.devTokens().isPresent()
              ? ", dev token in "
                  + Path.of(base.getString("tandem.dev-token-file")).toAbsolutePath()
              : "");
    } else {
      System.out.println(banner);
    }
  }

  /** Whether logs are JSON lines (TANDEM_LOG_FORMAT=json or -Dtandem.log.format=json). */
  static boolean jsonLogs() {
    String format =
        System.getProperty(
            "tandem.log.format", System.getenv().getOrDefault("TANDEM_LOG_FORMAT", ""));
    return "json".equalsIgnoreCase(format.trim());
  }

  /**
   * Wires a node into {@code system}: sharding of rooms, the node's hubs, the WebSocket and HTTP
   * edges, and draining on coordinated shutdown. Joins the cluster itself when no seed nodes are
   * configured (a single node). Returns once the HTTP port is bound.
   */
  public static Node init(ActorSystem<?> system, NodeSettings settings, Clock clock)
      throws Exception {
    CommonPool.check(log);
    if (settings.devMode()) {
      DevTokens.checkBind(settings.http().host(), settings.devModeAllowNonLoopback());
    }
    TandemMetrics.registerKnownSeries();
    startEntities(system, settings, clock);
    SessionEntities entities = new SessionEntities(system);
    ActorRef<HubManager.Command> hubs = startHubs(system, settings, entities);
    TokenVerifier verifier = TokenVerifier.create(settings.auth());
    Optional<DevTokens> devTokens =
        settings.devMode() ? settings.auth().hs256Secret().map(DevTokens::new) : Optional.empty();
    ConnectionRegistry registry = new ConnectionRegistry();
    Replays replays = new Replays(system);
    ConnectionActor.Deps deps =
        connectionDeps(system, settings, clock, verifier, entities, hubs, registry, replays);
    OutboundStats outbound = new OutboundStats();
    WebSocketEndpoint ws =
        new WebSocketEndpoint(
            system,
            deps,
            outbound,
            new io.tandem.node.ws.OriginCheck(settings.ws().allowedOrigins(), settings.devMode()));
    ShardRegions regions =
        new ShardRegions(
            system,
            List.of(
                RoomEntity.ENTITY_KEY,
                RecordingEntity.ENTITY_KEY,
                io.tandem.node.map.MapEntity.ENTITY_KEY));
    MetricsSettings metrics = MetricsSettings.fromConfig(system.settings().config());
    org.apache.pekko.actor.Cancellable sampling =
        NodeMetrics.start(system, regions, metrics.sampleInterval());
    LinkSettings linkSettings = LinkSettings.fromConfig(system.settings().config());
    Optional<SignedLinks> links =
        SignedLinks.create(linkSettings, settings.auth().hs256Secret(), clock);
    Route routes =
        HttpApi.route(
            new HttpApi.Edge(system, settings.http(), verifier, links, clock),
            new HttpApi.NodeParts(
                entities,
                regions,
                registry::openConnections,
                deps.codec(),
                settings.nodeName().isBlank()
                    ? Optional.empty()
                    : Optional.of(settings.nodeName())),
            new HttpApi.Features(
                devTokens,
                settings.auth().devTokenMaxTtl(),
                linkSettings,
                settings.xr().maxAssetBytes()),
            ws.route());
    Edge edge = bindEdge(system, settings, ws, routes);
    log.info(
        "serving HTTP and WebSocket on {} ({} transport)",
        edge.address(),
        settings.http().transport());
    // only now that sessions can be served: a node is a member (and gets shards) once it joined
    ClusterStart.start(system, settings.cluster());
    ConnectionBalancer.start(system, registry);
    if (settings.sessionIndexBackfill()) {
      SessionIndexBackfill.start(system);
    }
    stopOnShutdown(system, settings, registry, sampling, edge);
    return new Node(edge.address(), registry, devTokens, hubs, outbound, replays);
  }

  /** The bound port: its address, and how to stop accepting and to end it. */
  private record Edge(
      java.net.InetSocketAddress address,
      java.util.function.Supplier<CompletionStage<Done>> unbind,
      java.util.function.Supplier<CompletionStage<Done>> terminate) {}

  /** Binds the port with the configured transport (tandem.http.transport). */
  private static Edge bindEdge(
      ActorSystem<?> system, NodeSettings settings, WebSocketEndpoint ws, Route routes)
      throws Exception {
    long bindMillis = settings.http().bindTimeout().toMillis();
    if (settings.http().netty()) {
      long maxBody =
          Math.max(
              system.settings().config().getBytes("pekko.http.parsing.max-content-length"),
              settings.xr().maxAssetBytes());
      NettyTransport netty =
          NettyTransport.bind(
              system,
              settings.http().host(),
              settings.http().port(),
              settings.http().nettyEventLoops(),
              ws,
              routes,
              maxBody,
              settings.http().uploadTimeout().toMillis(),
              system.settings().config().getDuration("pekko.http.server.idle-timeout").toMillis(),
              bindMillis,
              settings.http().nettyActorsOnEventLoops());
      return new Edge(netty.localAddress(), netty::unbind, netty::shutdown);
    }
    ServerBinding binding =
        Http.get(system)
            .newServerAt(settings.http().host(), settings.http().port())
            .bind(routes)
            .toCompletableFuture()
            .get(bindMillis, TimeUnit.MILLISECONDS);
    return new Edge(
        binding.localAddress(),
        () -> binding.unbind().thenApply(x -> Done.getInstance()),
        () -> CompletableFuture.completedFuture(Done.getInstance()));
  }

  /**
   * Warms the session entities ({@link SessionWarmUp}), then registers every entity type (and the
   * recordings' retention) with sharding, and the listener that answers the sessions' requests lost
   * on their way.
   */
  private static void startEntities(ActorSystem<?> system, NodeSettings settings, Clock clock)
      throws InterruptedException {
    SessionWarmUp.run(
        system,
        SessionWarmUp.kinds(
            settings.rooms(), settings.recordings(), settings.maps(), clock, Blobs.get(system)),
        settings.cluster().warmUp());
    UndeliveredRequests.start(system);
    RoomEntity.init(system, settings.rooms(), clock);
    RecordingEntity.init(system, settings.recordings(), clock);
    RecordingRetention.start(
        system, RecordingRetention.Settings.fromConfig(system.settings().config()), clock);
    io.tandem.node.map.MapEntity.init(system, settings.maps(), clock);
    ParticipantEntity.init(system, settings.xr(), clock);
    AssetEntity.init(system, clock);
  }

  /** The node's hubs: one {@link SessionHub} per session with members on this node. */
  private static ActorRef<HubManager.Command> startHubs(
      ActorSystem<?> system, NodeSettings settings, SessionEntities entities) {
    return system.systemActorOf(
        HubManager.create(
            entities,
            new JournalReader(system),
            new SessionHub.Settings(
                settings.http().askTimeout(),
                settings.ws().outboundMaxFrames(),
                settings.ws().outboundMaxFrames(),
                settings.cluster().rejoinAttempts(),
                settings.xr(),
                settings.cluster().joinResendInterval())),
        "hubs",
        org.apache.pekko.actor.typed.Props.empty());
  }

  /** What every connection of this node shares. */
  private static ConnectionActor.Deps connectionDeps(
      ActorSystem<?> system,
      NodeSettings settings,
      Clock clock,
      TokenVerifier verifier,
      SessionEntities entities,
      ActorRef<HubManager.Command> hubs,
      ConnectionRegistry registry,
      Replays replays) {
    // welcome.node is the node's address as /v1/status names it; TANDEM_NODE_NAME shows there as
    // `name`
    String nodeName = NodeAddress.of(Cluster.get(system).selfMember().address());
    return new ConnectionActor.Deps(
        settings.ws(),
        settings.rooms(),
        settings.recordings(),
        verifier,
        entities,
        hubs,
        nodeName,
        settings.http().askTimeout(),
        clock,
        registry,
        replays,
        FrameCodec.create(settings.ws().maxFrameBytes(), settings.ws().frameLimits()),
        settings.xr(),
        settings.maps());
  }

  /**
   * On coordinated shutdown: drain the WebSockets before the port is unbound, unbind it, and stop
   * sampling metrics before the system ends.
   */
  private static void stopOnShutdown(
      ActorSystem<?> system,
      NodeSettings settings,
      ConnectionRegistry registry,
      org.apache.pekko.actor.Cancellable sampling,
      Edge edge) {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    Duration handOff = settings.cluster().handOffBeforeDrain();
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "drain-websockets",
        () -> {
          // no new clients from now on (readiness already answers 503); the open ones keep
          // working while their sessions move
          registry.refuseNew();
          return handOffShards(system, handOff)
              .handle(
                  (done, failed) -> {
                    if (failed != null) {
                      log.warn("the shards were not all handed off in {}; draining", handOff);
                    }
                    registry.drainAll();
                    return Done.getInstance();
                  });
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "stop-metrics-sampling",
        () -> {
          sampling.cancel();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(), "http-unbind", () -> edge.unbind().get());
    shutdown.addTask(
        CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "http-transport-stop",
        () -> edge.terminate().get());
  }

  /**
   * Hands off every shard of this node (each entity type's region shuts down gracefully, as it
   * would later in the shutdown's sharding phase): done when all regions stopped, or at once for
   * {@code within} zero. A region that has stopped takes no part in sharding's own phase. Skipped
   * on a node that was downed (it has no coordinator to hand off to; its sessions already restart
   * elsewhere), as sharding's own phase skips it.
   */
  private static CompletionStage<Done> handOffShards(ActorSystem<?> system, Duration within) {
    Cluster cluster = Cluster.get(system);
    if (within.isZero()
        || cluster.isTerminated()
        || cluster.selfMember().status() == MemberStatus.down()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    org.apache.pekko.cluster.sharding.ClusterSharding sharding =
        org.apache.pekko.cluster.sharding.ClusterSharding.get(Adapter.toClassic(system));
    CompletableFuture<?>[] stopped =
        sharding.getShardTypeNames().stream()
            .map(
                type ->
                    Patterns.gracefulStop(
                            sharding.shardRegion(type),
                            within,
                            ShardRegion.gracefulShutdownInstance())
                        .toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(stopped).thenApply(all -> Done.getInstance());
  }

  /**
   * What the environment says about the cluster that config files cannot: seed nodes from {@code
   * TANDEM_SEED_NODES} ("host:port,..." of artery), bootstrap endpoints from {@code
   * TANDEM_BOOTSTRAP_ENDPOINTS} ("host:managementPort,...", for config discovery), the discovery
   * method for {@code TANDEM_BOOTSTRAP}, Artery over TLS when {@code tandem.cluster.tls} is on
   * ({@link ClusterTls}), and that a node which is downed or leaves ends its process (set here, not
   * in application.conf, so that tests running nodes inside their JVM keep it).
   */
  static Config clusterOverrides(Config base) {
    Map<String, String> env = System.getenv();
    List<String> seeds = new ArrayList<>();
    for (String s : env.getOrDefault("TANDEM_SEED_NODES", "").split(",")) {
      if (!s.isBlank()) {
        seeds.add("pekko://tandem@" + s.trim());
      }
    }
    List<Map<String, Object>> endpoints = new ArrayList<>();
    for (String s : env.getOrDefault("TANDEM_BOOTSTRAP_ENDPOINTS", "").split(",")) {
      if (!s.isBlank()) {
        String[] hostPort = s.trim().split(":");
        endpoints.add(Map.of("host", hostPort[0], "port", Integer.parseInt(hostPort[1])));
      }
    }
    String method =
        "kubernetes".equalsIgnoreCase(env.getOrDefault("TANDEM_BOOTSTRAP", ""))
            ? "kubernetes-api"
            : "config";
    return ClusterTls.overrides(base)
        .withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds))
        .withValue(
            "pekko.discovery.config.services.tandem.endpoints",
            ConfigValueFactory.fromIterable(endpoints))
        .withValue(
            "pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method",
            ConfigValueFactory.fromAnyRef(method))
        .withValue("pekko.coordinated-shutdown.exit-jvm", ConfigValueFactory.fromAnyRef(true))
        .withValue(
            BEFORE_UNBIND_TIMEOUT,
            ConfigValueFactory.fromAnyRef(beforeUnbindTimeout(base).toMillis() + "ms"));
  }

  private static final String BEFORE_UNBIND_TIMEOUT =
      "pekko.coordinated-shutdown.phases.before-service-unbind.timeout";

  /** What the WebSockets' drain takes after the hand-off, at most: bye, close, the flush. */
  static final Duration DRAIN_MARGIN = Duration.ofSeconds(10);

  /**
   * The first shutdown phase's timeout: as configured, but never shorter than the hand-off bound
   * plus {@link #DRAIN_MARGIN}, or a longer {@code hand-off-before-drain} would be cut off by the
   * phase and the WebSockets never drained.
   */
  static Duration beforeUnbindTimeout(Config base) {
    Duration configured = base.getDuration(BEFORE_UNBIND_TIMEOUT);
    Duration needed = ClusterSettings.fromConfig(base).handOffBeforeDrain().plus(DRAIN_MARGIN);
    return configured.compareTo(needed) < 0 ? needed : configured;
  }
}
