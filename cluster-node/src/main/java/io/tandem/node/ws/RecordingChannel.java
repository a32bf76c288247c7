package io.tandem.node.ws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.recording.RecordingPayloads;
import io.tandem.node.session.SessionReply;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.End;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.Ok;
import io.tandem.protocol.Publish;
import io.tandem.protocol.SessionId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A connection's recordings (protocol 4.3): {@code publish} and {@code end}. Publishing is
 * pipelined per recording: while one journal write is in flight, later publish frames wait here and
 * go to the entity together, as one write; a large payload is stored in the blob store meanwhile.
 * Past {@code max-queued-publishes} waiting frames the connection's inbound ack is held until the
 * queue drains. A plain class owned by {@link ConnectionActor}, used on its thread.
 */
final class RecordingChannel {

  /** The recording answered the publishes {@code frames} (or did not in time: {@code error}). */
  record PublishReplied(
      SessionId session, List<Publish> frames, SessionReply reply, Throwable error)
      implements ConnectionActor.Command {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A publisher's frames waiting for the write in flight, each with its batch being prepared. */
  private static final class PublishQueue {
    final String memberId;
    final ArrayDeque<Publish> waiting = new ArrayDeque<>();
    final ArrayDeque<CompletionStage<RecordingEntity.Publication>> prepared = new ArrayDeque<>();
    boolean inFlight;

    PublishQueue(String memberId) {
      this.memberId = memberId;
    }
  }

  private final ConnectionScope scope;
  private final RecordingPayloads payloads;
  private final Map<SessionId, PublishQueue> publishing = new HashMap<>();

  RecordingChannel(ConnectionScope scope) {
    this.scope = scope;
    this.payloads =
        new RecordingPayloads(
            Blobs.get(scope.ctx.getSystem()), scope.deps.recordings().blobThreshold());
  }

  void onPublish(Publish publish) {
    ConnectionScope.Joined joined = scope.publisher(publish);
    if (joined == null) {
      return;
    }
    var settings = scope.deps.recordings();
    if (publish.events().size() > settings.maxBatchEvents()) {
      scope.reply(
          publish,
          ErrorCode.TOO_BIG,
          "at most " + settings.maxBatchEvents() + " events per publish");
      return;
    }
    if (publish.bytes() != null && publish.bytes().size() > settings.maxBytes()) {
      scope.reply(publish, ErrorCode.TOO_BIG, "bytes over " + settings.maxBytes());
      return;
    }
    PublishQueue queue =
        publishing.computeIfAbsent(publish.session(), s -> new PublishQueue(joined.memberId()));
    queue.waiting.add(publish);
    queue.prepared.add(prepare(publish));
    if (!queue.inFlight) {
      sendPublishes(publish.session(), queue);
    } else if (queue.waiting.size() >= settings.maxQueuedPublishes()) {
      scope.holdAck();
    }
  }

  void onEnd(End end) {
    ConnectionScope.Joined joined = scope.publisher(end);
    if (joined == null) {
      return;
    }
    Long ref = end.ref();
    SessionId session = end.session();
    scope.ctx.ask(
        SessionReply.class,
        scope.deps.entities().entity(session),
        scope.deps.askTimeout(),
        replyTo -> new RecordingEntity.End(joined.memberId(), replyTo),
        (reply, error) -> new ConnectionActor.EntityReplied(ref, session, reply, error));
  }

  /** Starts storing the frame's payload if it is large; the batch is ready when that is done. */
  private CompletionStage<RecordingEntity.Publication> prepare(Publish f) {
    byte[] bytes = f.bytes() == null ? null : f.bytes().bytes();
    long size = jsonSize(f.events()) + (bytes == null ? 0 : bytes.length);
    return payloads.publication(List.copyOf(f.events()), f.checkpoint(), f.isStatic(), bytes, size);
  }

  private void sendPublishes(SessionId session, PublishQueue queue) {
    List<Publish> frames = new ArrayList<>(queue.waiting);
    List<CompletableFuture<RecordingEntity.Publication>> prepared = new ArrayList<>();
    queue.prepared.forEach(p -> prepared.add(p.toCompletableFuture()));
    queue.waiting.clear();
    queue.prepared.clear();
    queue.inFlight = true;
    String memberId = queue.memberId;
    var recording = scope.deps.entities().entity(session);
    // the batches in frame order, once every payload is stored; then one write in the entity
    CompletionStage<SessionReply> reply =
        CompletableFuture.allOf(prepared.toArray(CompletableFuture[]::new))
            .thenCompose(
                stored -> {
                  List<RecordingEntity.Publication> batches = new ArrayList<>(prepared.size());
                  prepared.forEach(p -> batches.add(p.join()));
                  return recording.ask(
                      (ActorRef<SessionReply> replyTo) ->
                          new RecordingEntity.Publish(memberId, List.copyOf(batches), replyTo),
                      scope.deps.askTimeout());
                });
    scope.ctx.pipeToSelf(reply, (ok, error) -> new PublishReplied(session, frames, ok, error));
  }

  void onPublishReplied(PublishReplied msg) {
    List<Publish> frames = msg.frames();
    for (int i = 0; i < frames.size(); i++) {
      Publish f = frames.get(i);
      if (msg.error() != null) {
        scope.outbox.reply(
            new ErrorFrame(
                f.ref(),
                msg.session().toString(),
                ErrorCode.UNAVAILABLE,
                msg.session() + " did not answer in time, retry"));
      } else if (msg.reply() instanceof SessionReply.Published ok) {
        if (f.ref() != null) {
          scope.outbox.reply(new Ok(f.ref(), msg.session(), ok.lastSeqs().get(i)));
        }
      } else if (msg.reply() instanceof SessionReply.Rejected no) {
        scope.outbox.reply(
            new ErrorFrame(f.ref(), msg.session().toString(), no.code(), no.message()));
      }
    }
    PublishQueue queue = publishing.get(msg.session());
    if (queue != null) {
      queue.inFlight = false;
      if (!queue.waiting.isEmpty()) {
        sendPublishes(msg.session(), queue);
      }
    }
    scope.releaseHeldAck();
  }

  /** The connection left the session (or is closing): frames still waiting are dropped. */
  void forget(SessionId session) {
    publishing.remove(session);
  }

  private static long jsonSize(List<JsonNode> events) {
    try {
      return JSON.writeValueAsBytes(events).length;
    } catch (Exception e) {
      return 0;
    }
  }
}
