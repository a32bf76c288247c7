package io.tandem.node.cluster;

import com.typesafe.config.Config;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps this pod's {@code controller.kubernetes.io/pod-deletion-cost} annotation in step with its
 * age in the cluster: the oldest Up member (it hosts the shard coordinator and other singletons)
 * gets the highest cost, the next ones less, the rest none, so a ReplicaSet scaling down or rolling
 * removes the youngest pods first and moves the coordinator once per rollout instead of at every
 * step. Pekko's own module for this (pekko-rolling-update-kubernetes) is not published on the
 * registry we build from, so this is the same idea in one small actor: a merge-patch of the pod
 * through the Kubernetes API with the pod's service account (RBAC: {@code patch} on pods).
 */
public final class PodDeletionCost {
  static final String ANNOTATION = "controller.kubernetes.io/pod-deletion-cost";

  private PodDeletionCost() {}

  /**
   * @param annotatedOldest how many of the oldest members get a cost (the oldest gets this many)
   */
  public record Settings(
      String apiUrl,
      String namespace,
      String podName,
      Path tokenFile,
      Path caFile,
      int annotatedOldest,
      Duration retryAfter) {

    /** The settings, or null when there is no pod to annotate (not on Kubernetes). */
    public static Settings fromConfig(Config root) {
      Config c = root.getConfig("tandem.cluster.pod-deletion-cost");
      if (!c.getBoolean("enabled")
          || c.getString("pod-name").isBlank()
          || c.getString("namespace").isBlank()) {
        return null;
      }
      return new Settings(
          c.getString("api-url"),
          c.getString("namespace"),
          c.getString("pod-name"),
          Path.of(c.getString("token-file")),
          Path.of(c.getString("ca-file")),
          c.getInt("annotated-oldest"),
          c.getDuration("retry-after"));
    }
  }

  private sealed interface Command extends NoSerializationVerificationNeeded {}

  private record MembersChanged(ClusterEvent.MemberEvent event) implements Command {}

  private record Patched(int cost, Throwable failure) implements Command {}

  private enum Retry implements Command {
    INSTANCE
  }

  /** The cost of the member at {@code rank} (0: the oldest) among {@code n} annotated ones. */
  static int costOf(int rank, int annotatedOldest) {
    return rank < annotatedOldest ? annotatedOldest - rank : 0;
  }

  /** The annotating actor (its protocol is its own: spawn it and leave it). */
  public static Behavior<?> create(Settings settings) {
    return Behaviors.<Command>setup(
        ctx -> Behaviors.withTimers(timers -> new Annotator(ctx, timers, settings)));
  }

  /** Patches the annotation when the wanted cost changes, one patch at a time, retrying. */
  private static final class Annotator extends AbstractBehavior<Command> {
    private final TimerScheduler<Command> timers;
    private final Settings settings;
    private final Cluster cluster;
    private final HttpClient http;
    private int applied = -1;
    private int wanted = -1;
    private boolean inFlight;
    private final List<Member> up = new ArrayList<>();

    Annotator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings) {
      super(ctx);
      this.timers = timers;
      this.settings = settings;
      this.cluster = Cluster.get(ctx.getSystem());
      this.http = client(settings);
      cluster
          .subscriptions()
          .tell(
              Subscribe.create(
                  ctx.messageAdapter(ClusterEvent.MemberEvent.class, MembersChanged::new),
                  ClusterEvent.MemberEvent.class));
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(MembersChanged.class, this::onMembersChanged)
          .onMessage(Patched.class, this::onPatched)
          .onMessageEquals(Retry.INSTANCE, this::patchIfNeeded)
          .build();
    }

    /**
     * Follows the Up members from the events themselves (the subscription starts with one event per
     * current member): the cluster's state object may not show an event's change yet.
     */
    private Behavior<Command> onMembersChanged(MembersChanged m) {
      Member member = m.event().member();
      up.removeIf(x -> x.uniqueAddress().equals(member.uniqueAddress()));
      if (m.event() instanceof ClusterEvent.MemberUp) {
        up.add(member);
      }
      wanted = costOf(rank(), settings.annotatedOldest());
      return patchIfNeeded();
    }

    /** This node's place among the Up members, oldest first (0: the oldest). */
    private int rank() {
      List<Member> sorted = new ArrayList<>(up);
      sorted.sort((a, b) -> a.isOlderThan(b) ? -1 : b.isOlderThan(a) ? 1 : 0);
      for (int i = 0; i < sorted.size(); i++) {
        if (sorted.get(i).uniqueAddress().equals(cluster.selfMember().uniqueAddress())) {
          return i;
        }
      }
      return Integer.MAX_VALUE; // not Up yet: no cost
    }

    private Behavior<Command> onPatched(Patched p) {
      inFlight = false;
      if (p.failure() == null) {
        applied = p.cost();
        getContext().getLog().info("pod deletion cost set to {}", p.cost());
        return patchIfNeeded();
      }
      getContext()
          .getLog()
          .warn(
              "setting the pod deletion cost failed ({}), retrying in {}",
              p.failure().toString(),
              settings.retryAfter());
      timers.startSingleTimer(Retry.INSTANCE, settings.retryAfter());
      return this;
    }

    private Behavior<Command> patchIfNeeded() {
      if (inFlight || wanted < 0 || wanted == applied) {
        return this;
      }
      inFlight = true;
      int cost = wanted;
      getContext()
          .pipeToSelf(
              patch(http, settings, cost),
              (status, failure) ->
                  new Patched(
                      cost,
                      failure != null
                          ? failure
                          : status / 100 == 2
                              ? null
                              : new IllegalStateException("Kubernetes API answered " + status)));
      return this;
    }
  }

  private static java.util.concurrent.CompletionStage<Integer> patch(
      HttpClient http, Settings settings, int cost) {
    try {
      String token = Files.readString(settings.tokenFile(), StandardCharsets.UTF_8).trim();
      String body = "{\"metadata\":{\"annotations\":{\"" + ANNOTATION + "\":\"" + cost + "\"}}}";
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create(
                      settings.apiUrl()
                          + "/api/v1/namespaces/"
                          + settings.namespace()
                          + "/pods/"
                          + settings.podName()))
              .timeout(Duration.ofSeconds(10))
              .header("Authorization", "Bearer " + token)
              .header("Content-Type", "application/merge-patch+json")
              .method("PATCH", HttpRequest.BodyPublishers.ofString(body))
              .build();
      return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .thenApply(HttpResponse::statusCode);
    } catch (Exception e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  /**
   * An HTTP client that trusts the cluster's CA (the service account's ca.crt) when there is one.
   */
  private static HttpClient client(Settings settings) {
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (settings.apiUrl().startsWith("https") && Files.isReadable(settings.caFile())) {
      try (InputStream in = Files.newInputStream(settings.caFile())) {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          trust.setCertificateEntry("k8s-ca-" + (i++), cert);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        b.sslContext(ssl);
      } catch (Exception e) {
        throw new IllegalStateException("cannot read the cluster CA " + settings.caFile(), e);
      }
    }
    return b.build();
  }
}
