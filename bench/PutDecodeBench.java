import io.tandem.protocol.DecodeResult;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The node's cost of reading a map producer's {@code put}: a frame carrying {@code keys} entries
 * {@code p/<n>: [x, y, z]} (the graph producer's positions, a fresh set of keys per frame as a
 * 50,000-node layout sends them in chunks), decoded by the protocol's {@link FrameCodec} in JSON
 * and CBOR, {@code rounds} times after a warm-up. Prints microseconds per frame and per entry; run
 * it against two builds of the protocol jar to compare them (docs/benchmarks.md).
 *
 * <p>{@code java -cp protocol/target/tandem-protocol-0.1.0-SNAPSHOT.jar:'cluster-node/target/lib/*'
 * bench/PutDecodeBench.java [keys] [rounds]}
 */
public final class PutDecodeBench {
  public static void main(String[] args) {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 400;
    int sets = 10; // 10 x keys distinct keys in turn, as chunks of a large graph arrive
    FrameCodec codec = FrameCodec.create(16 << 20);
    String[] json = new String[sets];
    byte[][] cbor = new byte[sets][];
    for (int s = 0; s < sets; s++) {
      json[s] = putFrame(s * keys, keys);
      DecodeResult<?> read = codec.decodeClient(json[s]);
      if (!(read instanceof DecodeResult.Decoded<?> decoded)) {
        throw new IllegalStateException("the frame does not decode: " + read);
      }
      cbor[s] = codec.encode(Encoding.CBOR, decoded.frame());
    }
    for (Encoding encoding : new Encoding[] {Encoding.JSON, Encoding.CBOR}) {
      byte[][] frames = new byte[sets][];
      for (int s = 0; s < sets; s++) {
        frames[s] =
            encoding == Encoding.JSON ? json[s].getBytes(StandardCharsets.UTF_8) : cbor[s];
      }
      run(codec, encoding, frames, rounds); // warm-up
      long took = run(codec, encoding, frames, rounds);
      double perFrame = took / 1000.0 / rounds;
      System.out.printf(
          Locale.ROOT,
          "%-4s %d entries: %.0f us per frame, %.3f us per entry (%d frames of %d bytes)%n",
          encoding,
          keys,
          perFrame,
          perFrame / keys,
          rounds,
          frames[0].length);
    }
  }

  private static long run(FrameCodec codec, Encoding encoding, byte[][] frames, int rounds) {
    long start = System.nanoTime();
    for (int i = 0; i < rounds; i++) {
      if (!(codec.decodeClient(encoding, frames[i % frames.length])
          instanceof DecodeResult.Decoded<?>)) {
        throw new IllegalStateException("refused");
      }
    }
    return System.nanoTime() - start;
  }

  private static String putFrame(int from, int keys) {
    StringBuilder b =
        new StringBuilder("{\"version\":1,\"type\":\"put\",\"session\":\"map:bench\",\"ref\":1,\"payload\":{\"entries\":{");
    for (int i = 0; i < keys; i++) {
      int n = from + i;
      if (i > 0) {
        b.append(',');
      }
      b.append("\"p/")
          .append(n)
          .append("\":[")
          .append(Math.sin(n) * 400)
          .append(',')
          .append(Math.cos(n) * 400)
          .append(",0]");
    }
    return b.append("},\"durable\":false}}").toString();
  }
}
