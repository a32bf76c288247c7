package io.tandem.node.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import io.tandem.node.room.DocEdit;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.StreamPosition;
import io.tandem.node.session.Subscriber;
import io.tandem.node.testing.LocalActors;
import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.serialization.ManifestRegistry;
import io.tandem.persistence.serialization.StableCborSerializer;
import io.tandem.persistence.serialization.StableNames;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Both manifests of the rollout on real actor systems: one started with {@code
 * write-stable-manifests} off (step 1, what an older node also writes), one with it on (step 2).
 * The bytes are Pekko's jackson-cbor bytes in both; each decodes what the other wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StableManifestsTest {
  private final ActorTestKit oldNames = kit("StableManifestsOff", false);
  private final ActorTestKit newNames = kit("StableManifestsOn", true);

  private static ActorTestKit kit(String name, boolean writeStable) {
    return ActorTestKit.create(
        name, LocalActors.config(StableCborSerializer.WRITE_STABLE + " = " + writeStable));
  }

  @AfterAll
  void stop() {
    oldNames.shutdownTestKit();
    newNames.shutdownTestKit();
  }

  private static final RoomEntity.DocEdited EDITED =
      new RoomEntity.DocEdited(
          7, "alice/1", 1_700_000_000_000L, List.of(DocEdit.set("n", IntNode.valueOf(3))), "k1");

  private static Serialization serialization(ActorTestKit kit) {
    return SerializationExtension.get(kit.system());
  }

  @Test
  void cborSerializableIsBoundToTheStableSerializerUnderPekkosJacksonCborId() {
    var serializer = serialization(newNames).findSerializerFor(EDITED);
    assertInstanceOf(StableCborSerializer.class, serializer);
    assertEquals(33, serializer.identifier(), "jackson-cbor's id: old rows and old nodes agree");
  }

  @Test
  void withTheSettingOffTheClassNameIsWrittenAsBefore() {
    assertEquals(
        RoomEntity.DocEdited.class.getName(),
        Serializers.manifestFor(serialization(oldNames).findSerializerFor(EDITED), EDITED));
    assertEquals(
        SessionCommand.Tick.class.getName(),
        Serializers.manifestFor(
            serialization(oldNames).findSerializerFor(SessionCommand.Tick.INSTANCE),
            SessionCommand.Tick.INSTANCE));
  }

  @Test
  void withTheSettingOnTheStableNameIsWritten() {
    assertEquals(
        "room.doc-edited",
        Serializers.manifestFor(serialization(newNames).findSerializerFor(EDITED), EDITED));
    assertEquals(
        "session.tick",
        Serializers.manifestFor(
            serialization(newNames).findSerializerFor(SessionCommand.Tick.INSTANCE),
            SessionCommand.Tick.INSTANCE));
  }

  @Test
  void theBytesArePekkosJacksonCborBytesWhateverTheManifest() throws Exception {
    byte[] pekko =
        new JacksonCborSerializer(
                (ExtendedActorSystem) oldNames.system().classicSystem(), "jackson-cbor")
            .toBinary(EDITED);
    assertArrayEquals(pekko, serialization(oldNames).serialize(EDITED).get());
    assertArrayEquals(pekko, serialization(newNames).serialize(EDITED).get());
  }

  @Test
  void aClassNameManifestFromAnOldRowOrNodeDecodesUnderTheNewSetting() {
    byte[] bytes = serialization(oldNames).serialize(EDITED).get();
    Object decoded =
        serialization(newNames).deserialize(bytes, 33, RoomEntity.DocEdited.class.getName()).get();
    assertEquals(EDITED, decoded);
  }

  @Test
  void aStableManifestDecodesUnderBothSettings() {
    byte[] bytes = serialization(newNames).serialize(EDITED).get();
    assertEquals(EDITED, serialization(newNames).deserialize(bytes, 33, "room.doc-edited").get());
    assertEquals(EDITED, serialization(oldNames).deserialize(bytes, 33, "room.doc-edited").get());
    byte[] tick = serialization(newNames).serialize(SessionCommand.Tick.INSTANCE).get();
    assertEquals(
        SessionCommand.Tick.INSTANCE,
        serialization(oldNames).deserialize(tick, 33, "room.tick").get());
  }

  @Test
  void aMigrationVersionSuffixIsKeptWhenTheNameIsTranslated() {
    var serializer = (StableCborSerializer) serialization(newNames).findSerializerFor(EDITED);
    assertEquals(
        RoomEntity.DocEdited.class.getName() + "#2", serializer.classManifest("room.doc-edited#2"));
    assertEquals(
        RoomEntity.DocEdited.class.getName() + "#2",
        serializer.classManifest(RoomEntity.DocEdited.class.getName() + "#2"));
  }

  @Test
  void aFormerClassNameDecodesToTheMovedClass() {
    StableNames moved =
        new StableNames() {
          @Override
          public Map<Class<?>, String> names() {
            return Map.of(RoomEntity.DocEdited.class, "room.doc-edited");
          }

          @Override
          public Map<String, Class<?>> formerClassNames() {
            return Map.of(
                "io.tandem.node.room.OldRoomEntity$DocEdited", RoomEntity.DocEdited.class);
          }
        };
    ManifestRegistry registry = ManifestRegistry.of(moved);
    assertEquals(
        RoomEntity.DocEdited.class,
        registry.classOf("io.tandem.node.room.OldRoomEntity$DocEdited").orElseThrow());
    assertEquals(RoomEntity.DocEdited.class, registry.classOf("room.doc-edited").orElseThrow());
    assertFalse(registry.classOf(RoomEntity.DocEdited.class.getName()).isPresent());
  }

  @Test
  void aNameGivenTwiceOrShapedLikeAClassNameIsRefused() {
    StableNames twice =
        () -> Map.of(RoomEntity.DocEdited.class, "room.x", RoomEntity.Created.class, "room.x");
    assertThrows(IllegalArgumentException.class, () -> ManifestRegistry.of(twice));
    StableNames classLike = () -> Map.of(RoomEntity.DocEdited.class, "io.tandem.Room$Doc");
    assertThrows(IllegalArgumentException.class, () -> ManifestRegistry.of(classLike));
    assertTrue(
        ManifestRegistry.of(() -> Map.of(SessionCommand.Tick.class, "room.tick"))
            .nameOf(SessionCommand.Tick.class)
            .isPresent());
  }

  @Test
  void aFormerNameIsReadButNeverWrittenNorGivenAgain() {
    StableNames folded =
        new StableNames() {
          @Override
          public Map<Class<?>, String> names() {
            return Map.of(SessionCommand.Tick.class, "session.tick");
          }

          @Override
          public Map<String, Class<?>> formerNames() {
            return Map.of("room.tick", SessionCommand.Tick.class);
          }
        };
    ManifestRegistry registry = ManifestRegistry.of(folded);
    assertEquals(SessionCommand.Tick.class, registry.classOf("room.tick").orElseThrow());
    assertEquals("session.tick", registry.nameOf(SessionCommand.Tick.class).orElseThrow());
    StableNames reused =
        new StableNames() {
          @Override
          public Map<Class<?>, String> names() {
            return Map.of(RoomEntity.DocEdited.class, "room.tick");
          }
        };
    assertThrows(IllegalArgumentException.class, () -> ManifestRegistry.of(folded, reused));
  }

  /** A room's join as a node of the release before sends it: its own class, since and epoch. */
  public record FormerRoomJoin(
      String memberId,
      String connectionId,
      MemberInfo info,
      Long ref,
      Long since,
      String epoch,
      ActorRef<Subscriber.Message> hub)
      implements CborSerializable {}

  // serialized and read on one actor system: an actor ref only resolves on the system it is from
  @Test
  void aPerKindJoinOfTheReleaseBeforeDecodesToTheSharedJoinWithItsPosition() {
    ActorRef<Subscriber.Message> hub = newNames.<Subscriber.Message>createTestProbe().ref();
    MemberInfo info = new MemberInfo("alice", "browser", "editor", null);
    byte[] resume =
        serialization(newNames)
            .serialize(new FormerRoomJoin("alice/1", "c-1", info, 3L, 41L, "e-7", hub))
            .get();
    for (String manifest : List.of("io.tandem.node.room.RoomEntity$Join", "room.join")) {
      SessionCommand.Join decoded =
          (SessionCommand.Join) serialization(newNames).deserialize(resume, 33, manifest).get();
      assertEquals(new StreamPosition(41, "e-7"), decoded.from(), manifest);
      assertEquals(List.of("alice/1", "c-1", 3L), member(decoded), manifest);
      assertEquals(hub.path(), decoded.hub().path(), manifest);
    }
    byte[] fresh =
        serialization(newNames)
            .serialize(new FormerRoomJoin("alice/1", "c-1", info, 3L, null, null, hub))
            .get();
    SessionCommand.Join join =
        (SessionCommand.Join) serialization(newNames).deserialize(fresh, 33, "map.join").get();
    assertEquals(null, join.from(), "a join without since asks for a snapshot");
    SessionCommand.Join current =
        new SessionCommand.Join("bob/1", "c-2", info, null, new StreamPosition(9, "e-1"), hub);
    byte[] bytes = serialization(newNames).serialize(current).get();
    SessionCommand.Join read =
        (SessionCommand.Join) serialization(newNames).deserialize(bytes, 33, "session.join").get();
    assertEquals(current.from(), read.from());
    assertEquals(member(current), member(read));
  }

  private static List<Object> member(SessionCommand.Join join) {
    return Arrays.asList(join.memberId(), join.connectionId(), join.ref());
  }
}
