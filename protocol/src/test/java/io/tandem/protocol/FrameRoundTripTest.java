package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FrameRoundTripTest {

  private static final FrameCodec CODEC = FrameCodec.create(1 << 20);

  static Stream<Arguments> clientFrames() {
    return Samples.clientFrames().stream()
        .flatMap(f -> Stream.of(Encoding.values()).map(e -> Arguments.of(e, f.type(), f)));
  }

  static Stream<Arguments> serverFrames() {
    return Samples.serverFrames().stream()
        .flatMap(f -> Stream.of(Encoding.values()).map(e -> Arguments.of(e, f.type(), f)));
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("clientFrames")
  void clientFrameSurvivesEncodeThenDecode(Encoding encoding, String type, ClientFrame frame) {
    DecodeResult<ClientFrame> result = CODEC.decodeClient(encoding, CODEC.encode(encoding, frame));
    assertEquals(new DecodeResult.Decoded<>(frame), result);
    if (encoding == Encoding.JSON) {
      assertEquals(new DecodeResult.Decoded<>(frame), CODEC.decodeClient(CODEC.encodeJson(frame)));
    }
  }

  @ParameterizedTest(name = "{0} {1}: {2}")
  @MethodSource("serverFrames")
  void serverFrameSurvivesEncodeThenDecode(Encoding encoding, String type, ServerFrame frame) {
    DecodeResult<ServerFrame> result = CODEC.decodeServer(encoding, CODEC.encode(encoding, frame));
    assertEquals(new DecodeResult.Decoded<>(frame), result);
    if (encoding == Encoding.JSON) {
      assertEquals(new DecodeResult.Decoded<>(frame), CODEC.decodeServer(CODEC.encodeJson(frame)));
    }
  }

  /**
   * A server puts one member's pose of a tick into the frame of every other member: each frame
   * decodes to its own poses in both encodings, whichever encoding went first.
   */
  @Test
  void onePoseSharedByFramesOfSeveralReceiversDecodesInEveryFrameAndEncoding() {
    PoseData shared = Samples.POSE;
    PoseData other = new PoseData(7.25, new PoseNode(List.of(0.1, 1.6, -2.0), null), null, null);
    Poses toBob = new Poses(Samples.ROOM, 41, new LinkedHashMap<>(Map.of("ann/c1", shared)));
    Map<String, PoseData> both = new LinkedHashMap<>();
    both.put("ann/c1", shared);
    both.put("cal/c3", other);
    Poses toDan = new Poses(Samples.ROOM, 41, both);
    for (Encoding first : Encoding.values()) {
      for (Encoding e : List.of(first, first == Encoding.JSON ? Encoding.CBOR : Encoding.JSON)) {
        for (Poses frame : List.of(toBob, toDan, toBob)) {
          assertEquals(
              new DecodeResult.Decoded<>(frame),
              CODEC.decodeServer(e, CODEC.encode(e, frame)),
              e + " after " + first);
        }
      }
    }
  }

  @Test
  void samplesCoverEveryFrameTypeInEachDirectionItIsSentIn() {
    Set<FrameType> fromClient =
        Samples.clientFrames().stream().map(Frame::frameType).collect(Collectors.toSet());
    Set<FrameType> fromServer =
        Samples.serverFrames().stream().map(Frame::frameType).collect(Collectors.toSet());
    for (FrameType t : FrameType.values()) {
      if (t.direction().fromClient()) {
        assertTrue(fromClient.contains(t), "no client sample of " + t);
      }
      if (t.direction().fromServer()) {
        assertTrue(fromServer.contains(t), "no server sample of " + t);
      }
    }
    assertEquals(EnumSet.allOf(FrameType.class).size(), FrameType.values().length);
  }

  @Test
  void eachFrameTypeRowMatchesItsRecord() {
    for (Frame f :
        Stream.concat(Samples.clientFrames().stream(), Samples.serverFrames().stream()).toList()) {
      FrameType t = f.frameType();
      assertInstanceOf(t.frameClass(), f);
      assertEquals(t.wire(), f.type());
      if (!t.carriesRef()) {
        assertEquals(null, f.ref(), t + " never carries a ref");
      }
      assertEquals(
          t.session() == FrameType.SessionRule.REQUIRED, f instanceof SessionFrame, t::name);
    }
  }
}
