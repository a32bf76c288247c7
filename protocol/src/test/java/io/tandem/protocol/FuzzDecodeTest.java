package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random bytes and mutated valid frames: decoding never throws, always answers Decoded or Rejected,
 * and whatever decodes can be encoded again and decodes to the same frame.
 */
class FuzzDecodeTest {

  private static final FrameCodec CODEC = FrameCodec.create(64 * 1024);
  private static final long SEED = 0x7A4D3L;
  private static final String JSON_ALPHABET = "{}[]:,\"\\ 0123456789.eE+-truefalsenul abc";

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(SEED);
    for (int i = 0; i < 10_000; i++) {
      byte[] data = new byte[random.nextInt(64)];
      random.nextBytes(data);
      decodeEverywhere(data);
    }
  }

  @Test
  void randomJsonishTextNeverThrows() {
    Random random = new Random(SEED + 1);
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      int n = random.nextInt(80);
      for (int j = 0; j < n; j++) {
        sb.append(JSON_ALPHABET.charAt(random.nextInt(JSON_ALPHABET.length())));
      }
      check(CODEC.decodeClient(sb.toString()), true, Encoding.JSON);
      check(CODEC.decodeServer(sb.toString()), false, Encoding.JSON);
    }
  }

  @Test
  void mutatedValidFramesNeverThrow() {
    Random random = new Random(SEED + 2);
    List<byte[]> seeds = new ArrayList<>();
    for (Encoding e : Encoding.values()) {
      Samples.clientFrames().forEach(f -> seeds.add(CODEC.encode(e, f)));
      Samples.serverFrames().forEach(f -> seeds.add(CODEC.encode(e, f)));
    }
    int decoded = 0;
    for (int i = 0; i < 10_000; i++) {
      byte[] data = mutate(seeds.get(random.nextInt(seeds.size())), random);
      decoded += decodeEverywhere(data);
    }
    // mutations are small: some must still decode, or the test only exercises the parser
    assertTrue(decoded > 0, "no mutated frame decoded");
  }

  @Test
  void mutatedJsonTextNeverThrows() {
    Random random = new Random(SEED + 3);
    List<String> seeds = new ArrayList<>();
    Samples.clientFrames().forEach(f -> seeds.add(CODEC.encodeJson(f)));
    Samples.serverFrames().forEach(f -> seeds.add(CODEC.encodeJson(f)));
    String tokens = "{}[]:,\"0-1.5e9 null true x";
    for (int i = 0; i < 10_000; i++) {
      StringBuilder sb = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits && sb.length() > 0; e++) {
        int at = random.nextInt(sb.length());
        switch (random.nextInt(3)) {
          case 0 -> sb.deleteCharAt(at);
          case 1 -> sb.insert(at, tokens.charAt(random.nextInt(tokens.length())));
          default -> sb.setCharAt(at, tokens.charAt(random.nextInt(tokens.length())));
        }
      }
      check(CODEC.decodeClient(sb.toString()), true, Encoding.JSON);
      check(CODEC.decodeServer(sb.toString()), false, Encoding.JSON);
    }
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] data = seed.clone();
    switch (random.nextInt(4)) {
      case 0 -> data[random.nextInt(data.length)] = (byte) random.nextInt(256);
      case 1 -> data[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
      case 2 -> data = java.util.Arrays.copyOf(data, random.nextInt(data.length));
      default -> {
        byte[] longer = new byte[data.length + 1];
        int at = random.nextInt(data.length + 1);
        System.arraycopy(data, 0, longer, 0, at);
        longer[at] = (byte) random.nextInt(256);
        System.arraycopy(data, at, longer, at + 1, data.length - at);
        data = longer;
      }
    }
    return data;
  }

  /** Decodes in both encodings and directions; returns how many decoded. */
  private static int decodeEverywhere(byte[] data) {
    int decoded = 0;
    for (Encoding e : Encoding.values()) {
      decoded += check(CODEC.decodeClient(e, data), true, e);
      decoded += check(CODEC.decodeServer(e, data), false, e);
    }
    String text = new String(data, StandardCharsets.UTF_8);
    check(CODEC.decodeClient(text), true, Encoding.JSON);
    return decoded;
  }

  private static int check(DecodeResult<? extends Frame> result, boolean fromClient, Encoding e) {
    assertNotNull(result);
    if (result instanceof DecodeResult.Rejected<?> r) {
      assertNotNull(r.error().code());
      assertNotNull(r.error().message());
      return 0;
    }
    if (!(result instanceof DecodeResult.Decoded<?> d)) {
      fail("neither decoded nor rejected: " + result);
      return 0;
    }
    // whatever decodes, encodes, and decodes again to the same frame
    Frame frame = d.frame();
    byte[] again = CODEC.encode(e, frame);
    DecodeResult<?> second =
        fromClient ? CODEC.decodeClient(e, again) : CODEC.decodeServer(e, again);
    assertEquals(new DecodeResult.Decoded<>(frame), second, () -> "re-decoding " + frame);
    return 1;
  }
}
