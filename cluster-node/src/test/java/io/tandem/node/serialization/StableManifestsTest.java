package io.tandem.node.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.room.DocEdit;
import io.tandem.node.room.RoomEntity;
import io.tandem.persistence.serialization.ManifestRegistry;
import io.tandem.persistence.serialization.StableCborSerializer;
import io.tandem.persistence.serialization.StableNames;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
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
        name,
        ConfigFactory.parseString(
                "pekko.actor.provider = local\n"
                    + StableCborSerializer.WRITE_STABLE
                    + " = "
                    + writeStable)
            .withFallback(ConfigFactory.load()));
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
        RoomEntity.Tick.class.getName(),
        Serializers.manifestFor(
            serialization(oldNames).findSerializerFor(RoomEntity.Tick.INSTANCE),
            RoomEntity.Tick.INSTANCE));
  }

  @Test
  void withTheSettingOnTheStableNameIsWritten() {
    assertEquals(
        "room.doc-edited",
        Serializers.manifestFor(serialization(newNames).findSerializerFor(EDITED), EDITED));
    assertEquals(
        "room.tick",
        Serializers.manifestFor(
            serialization(newNames).findSerializerFor(RoomEntity.Tick.INSTANCE),
            RoomEntity.Tick.INSTANCE));
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
    byte[] tick = serialization(newNames).serialize(RoomEntity.Tick.INSTANCE).get();
    assertEquals(
        RoomEntity.Tick.INSTANCE, serialization(oldNames).deserialize(tick, 33, "room.tick").get());
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
        ManifestRegistry.of(() -> Map.of(RoomEntity.Tick.class, "room.tick"))
            .nameOf(RoomEntity.Tick.class)
            .isPresent());
  }
}
