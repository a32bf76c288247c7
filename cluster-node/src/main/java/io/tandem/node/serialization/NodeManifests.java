package io.tandem.node.serialization;

import static java.util.Map.entry;

import io.tandem.node.asset.AssetEntity;
import io.tandem.node.fanout.SessionHub;
import io.tandem.node.map.MapChange;
import io.tandem.node.map.MapEntity;
import io.tandem.node.map.MapState;
import io.tandem.node.map.MapView;
import io.tandem.node.participant.ParticipantEntity;
import io.tandem.node.recording.RecordedBatch;
import io.tandem.node.recording.RecordingEnded;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.recording.RecordingState;
import io.tandem.node.recording.RecordingView;
import io.tandem.node.room.DocEdit;
import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectTransform;
import io.tandem.node.room.ObjectView;
import io.tandem.node.room.ParkedMember;
import io.tandem.node.room.RoomChange;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.room.RoomState;
import io.tandem.node.room.RoomView;
import io.tandem.node.room.SharedObject;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.ReplyTo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionSummary;
import io.tandem.node.session.SessionView;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.blob.BlobRef;
import io.tandem.persistence.serialization.StableNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The stable manifest of every class the node persists or sends to another node (everything that
 * implements {@code CborSerializable}), written instead of its Java class name once {@code
 * tandem.serialization.write-stable-manifests} is on. Loaded by {@code StableCborSerializer}
 * through {@code META-INF/services}. {@code ManifestGoldenTest} compares this table with {@code
 * manifests.txt} and fails when a name changes or a new class has none.
 *
 * <p>Rules: a name is {@code <package>.<kebab-case class>}, given once and never changed nor
 * reused, whatever happens to the class. Renaming or moving a class: change only the class here,
 * and put its old class name into {@link #formerClassNames()} (rows and nodes from before stable
 * manifests carry it). Changing a record's fields is a Jackson migration (the manifest gets {@code
 * #version}), not a new name. Classes that are not public (timers and self-messages that never
 * leave their actor, and the hub's own messages) are named by string, because this package cannot
 * see them.
 */
public final class NodeManifests implements StableNames {

  private static final Map<Class<?>, String> NAMES =
      Map.ofEntries(
          entry(AssetEntity.Get.class, "asset.get"),
          entry(AssetEntity.Publish.class, "asset.publish"),
          entry(AssetEntity.Published.class, "asset.published"),
          entry(AssetEntity.State.class, "asset.state"),
          entry(AssetEntity.Version.class, "asset.version"),
          entry(BlobRef.class, "blob.blob-ref"),
          entry(
              forName("io.tandem.node.fanout.SessionHub$EntityStopped"),
              "fanout.session-hub.entity-stopped"),
          entry(
              forName("io.tandem.node.fanout.SessionHub$JoinResend"),
              "fanout.session-hub.join-resend"),
          entry(
              forName("io.tandem.node.fanout.SessionHub$JoinTimedOut"),
              "fanout.session-hub.join-timed-out"),
          entry(
              forName("io.tandem.node.fanout.SessionHub$JournalRead"),
              "fanout.session-hub.journal-read"),
          entry(SessionHub.Rejoin.class, "fanout.session-hub.rejoin"),
          entry(SessionHub.RequestRefresh.class, "fanout.session-hub.request-refresh"),
          entry(
              forName("io.tandem.node.fanout.SessionHub$RetireConfirmed"),
              "fanout.session-hub.retire-confirmed"),
          entry(
              forName("io.tandem.node.fanout.SessionHub$RetryJoins"),
              "fanout.session-hub.retry-joins"),
          entry(SessionHub.Subscribe.class, "fanout.session-hub.subscribe"),
          entry(SessionHub.Unsubscribe.class, "fanout.session-hub.unsubscribe"),
          entry(MapEntity.Checkpoint.class, "map.checkpoint"),
          entry(MapEntity.Control.class, "map.control"),
          entry(MapEntity.Created.class, "map.created"),
          entry(MapEntity.Deleted.class, "map.deleted"),
          entry(MapEntity.EntriesPut.class, "map.entries-put"),
          entry(MapEntity.EphemeralCheckpointed.class, "map.ephemeral-checkpointed"),
          entry(MapChange.class, "map.map-change"),
          entry(MapState.Head.class, "map.map-state.head"),
          entry(MapState.Part.class, "map.map-state.part"),
          entry(MapState.Snapshot.class, "map.map-state.snapshot"),
          entry(MapView.class, "map.map-view"),
          entry(MapEntity.Put.class, "map.put"),
          entry(MapEntity.PutRequest.class, "map.put-request"),
          entry(MapEntity.PutsReply.class, "map.puts-reply"),
          entry(ParticipantEntity.Attach.class, "participant.attach"),
          entry(ParticipantEntity.Attached.class, "participant.attached"),
          entry(ParticipantEntity.Detach.class, "participant.detach"),
          entry(ParticipantEntity.Detached.class, "participant.detached"),
          entry(ParticipantEntity.Forgotten.class, "participant.forgotten"),
          entry(
              forName("io.tandem.node.participant.ParticipantEntity$GraceOver"),
              "participant.grace-over"),
          entry(ParticipantEntity.Hold.class, "participant.hold"),
          entry(ParticipantEntity.HoldGivenUp.class, "participant.hold-given-up"),
          entry(ParticipantEntity.HoldTaken.class, "participant.hold-taken"),
          entry(ParticipantEntity.LodChanged.class, "participant.lod-changed"),
          entry(ParticipantEntity.Remembered.class, "participant.remembered"),
          entry(ParticipantEntity.Report.class, "participant.report"),
          entry(ParticipantEntity.State.class, "participant.state"),
          entry(ParticipantEntity.Stop.class, "participant.stop"),
          entry(RecordingEntity.Created.class, "recording.created"),
          entry(RecordingEntity.Deleted.class, "recording.deleted"),
          entry(RecordingEntity.End.class, "recording.end"),
          entry(RecordingEntity.Ended.class, "recording.ended"),
          entry(RecordingEntity.LoadPayloads.class, "recording.load-payloads"),
          entry(RecordingEntity.PayloadsFailed.class, "recording.payloads-failed"),
          entry(RecordingEntity.PayloadsLoaded.class, "recording.payloads-loaded"),
          entry(RecordingEntity.Publication.class, "recording.publication"),
          entry(RecordingEntity.Publish.class, "recording.publish"),
          entry(RecordingEntity.Published.class, "recording.published"),
          entry(RecordedBatch.class, "recording.recorded-batch"),
          entry(RecordingEnded.class, "recording.recording-ended"),
          entry(
              forName("io.tandem.node.recording.RecordingRetention$Sweep"),
              "recording.recording-retention.sweep"),
          entry(
              forName("io.tandem.node.recording.RecordingRetention$Swept"),
              "recording.recording-retention.swept"),
          entry(RecordingState.Snapshot.class, "recording.recording-state.snapshot"),
          entry(RecordingView.class, "recording.recording-view"),
          entry(RoomEntity.ChangeObject.class, "room.change-object"),
          entry(RoomEntity.ChangeSettings.class, "room.change-settings"),
          entry(RoomEntity.Created.class, "room.created"),
          entry(RoomEntity.Deleted.class, "room.deleted"),
          entry(DocEdit.class, "room.doc-edit"),
          entry(RoomEntity.DocEdited.class, "room.doc-edited"),
          entry(RoomEntity.Edit.class, "room.edit"),
          entry(RoomEntity.FlushChanges.class, "room.flush-changes"),
          entry(RoomEntity.MemberParked.class, "room.member-parked"),
          entry(MemberPose.class, "room.member-pose"),
          entry(MemberPose.Part.class, "room.member-pose.part"),
          entry(ObjectView.class, "room.object-view"),
          entry(RoomEntity.ObjectsChanged.class, "room.objects-changed"),
          entry(RoomEntity.ParkEnded.class, "room.park-ended"),
          entry(ParkedMember.class, "room.parked-member"),
          entry(RoomEntity.PosesRecorded.class, "room.poses-recorded"),
          entry(RoomChange.class, "room.room-change"),
          entry(RoomState.class, "room.room-state"),
          entry(RoomView.class, "room.room-view"),
          entry(RoomEntity.SetPose.class, "room.set-pose"),
          entry(RoomEntity.SetPresence.class, "room.set-presence"),
          entry(SharedObject.class, "room.shared-object"),
          entry(RoomEntity.TickRateSet.class, "room.tick-rate-set"),
          entry(ObjectTransform.class, "room.transform"),
          entry(MemberInfo.class, "session.member-info"),
          entry(SessionCommand.Join.class, "session.join"),
          entry(SessionCommand.Leave.class, "session.leave"),
          entry(SessionCommand.Disconnect.class, "session.disconnect"),
          entry(SessionCommand.Refresh.class, "session.refresh"),
          entry(SessionCommand.GetSummary.class, "session.get-summary"),
          entry(SessionCommand.Delete.class, "session.delete"),
          entry(SessionCommand.HistoryDeleted.class, "session.history-deleted"),
          entry(SessionCommand.HubTerminated.class, "session.hub-terminated"),
          entry(SessionCommand.Tick.class, "session.tick"),
          entry(SessionCommand.IdleCheck.class, "session.idle-check"),
          entry(SessionCommand.Stop.class, "session.stop"),
          entry(ReplyTo.Answer.class, "session.reply-to.answer"),
          entry(ReplyTo.Direct.class, "session.reply-to.direct"),
          entry(ReplyTo.Tagged.class, "session.reply-to.tagged"),
          entry(SessionReply.Accepted.class, "session.session-reply.accepted"),
          entry(SessionReply.Published.class, "session.session-reply.published"),
          entry(SessionReply.Rejected.class, "session.session-reply.rejected"),
          entry(SessionSummary.class, "session.session-summary"),
          entry(SessionView.class, "session.session-view"),
          entry(Subscriber.Admitted.class, "session.subscriber.admitted"),
          entry(Subscriber.Deleted.class, "session.subscriber.deleted"),
          entry(Subscriber.EntryChunk.class, "session.subscriber.entry-chunk"),
          entry(Subscriber.MapControl.class, "session.subscriber.map-control"),
          entry(Subscriber.MapEphemeral.class, "session.subscriber.map-ephemeral"),
          entry(Subscriber.MapPart.class, "session.subscriber.map-part"),
          entry(Subscriber.MapTicked.class, "session.subscriber.map-ticked"),
          entry(Subscriber.MembersChanged.class, "session.subscriber.members-changed"),
          entry(Subscriber.Moving.class, "session.subscriber.moving"),
          entry(Subscriber.PosesTicked.class, "session.subscriber.poses-ticked"),
          entry(Subscriber.Refreshed.class, "session.subscriber.refreshed"),
          entry(Subscriber.Refused.class, "session.subscriber.refused"),
          entry(Subscriber.ResumeFromJournal.class, "session.subscriber.resume-from-journal"),
          entry(Subscriber.Resumed.class, "session.subscriber.resumed"),
          entry(Subscriber.Settings.class, "session.subscriber.settings"),
          entry(Subscriber.Undelivered.class, "session.subscriber.undelivered"),
          entry(Subscriber.Updated.class, "session.subscriber.updated"));

  @Override
  public Map<Class<?>, String> names() {
    return NAMES;
  }

  /**
   * Each session kind declared its own join, leave, tick... until they became the one {@link
   * SessionCommand.Common} family. What rows and nodes of earlier releases carry for one of them
   * reads as the shared command: per kind, the stable name {@code <kind>.<name>} ({@code room.join}
   * for {@code session.join}) and the class name {@code <entity>$<record>} ({@code
   * io.tandem.node.room.RoomEntity$Join}). manifests.txt keeps every one of these strings, and
   * {@code ManifestGoldenTest} checks that each still decodes to its class.
   */
  private static final List<Class<?>> FOLDED_SESSION_COMMANDS =
      List.of(
          SessionCommand.Join.class,
          SessionCommand.Leave.class,
          SessionCommand.Disconnect.class,
          SessionCommand.Refresh.class,
          SessionCommand.GetSummary.class,
          SessionCommand.Delete.class,
          SessionCommand.HistoryDeleted.class,
          SessionCommand.HubTerminated.class,
          SessionCommand.Tick.class,
          SessionCommand.IdleCheck.class,
          SessionCommand.Stop.class);

  /** The entity class of each kind whose commands were folded, by the kind's name prefix. */
  private static final Map<String, String> FOLDED_KINDS =
      Map.of(
          "room", "io.tandem.node.room.RoomEntity",
          "recording", "io.tandem.node.recording.RecordingEntity",
          "map", "io.tandem.node.map.MapEntity");

  private static final Map<String, Class<?>> FORMER_NAMES;
  private static final Map<String, Class<?>> FORMER_CLASS_NAMES;

  static {
    Map<String, Class<?>> names = new HashMap<>();
    Map<String, Class<?>> classNames = new HashMap<>();
    FOLDED_KINDS.forEach(
        (kind, entity) -> {
          for (Class<?> shared : FOLDED_SESSION_COMMANDS) {
            String name = NAMES.get(shared); // session.<name>
            names.put(kind + name.substring(name.indexOf('.')), shared);
            classNames.put(entity + "$" + shared.getSimpleName(), shared);
          }
        });
    // room.Transform became room.ObjectTransform (it collided with protocol.Transform); it only
    // travels inside other messages, but a row or message naming the old class reads
    classNames.put("io.tandem.node.room.Transform", ObjectTransform.class);
    FORMER_NAMES = Map.copyOf(names);
    FORMER_CLASS_NAMES = Map.copyOf(classNames);
  }

  @Override
  public Map<String, Class<?>> formerClassNames() {
    return FORMER_CLASS_NAMES;
  }

  @Override
  public Map<String, Class<?>> formerNames() {
    return FORMER_NAMES;
  }

  private static Class<?> forName(String name) {
    try {
      return Class.forName(name, false, NodeManifests.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("a class with a stable manifest is gone: " + name, e);
    }
  }
}
