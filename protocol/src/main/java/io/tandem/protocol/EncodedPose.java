package io.tandem.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonGeneratorImpl;
import com.fasterxml.jackson.core.type.WritableTypeId;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A pose's value in a frame, written as its tree into a CBOR frame and as JSON text made once into
 * a JSON frame. Formatting the pose's numbers as text was most of the cost of a {@code poses}
 * frame; the text is made on the first JSON frame that carries the pose and copied into the rest as
 * UTF-8 bytes (a {@link SerializedString} keeps them: a copy, not a char-by-char encoding, per
 * receiver).
 */
final class EncodedPose implements JsonSerializable {
  /** Writes numbers as the codec's JSON frames do. */
  private static final JsonMapper TEXT =
      JsonMapper.builder(FrameCodec.jsonFactory().build()).build();

  private final ObjectNode tree;
  private volatile SerializableString json;

  EncodedPose(ObjectNode tree) {
    this.tree = tree;
  }

  @Override
  public void serialize(JsonGenerator gen, SerializerProvider serializers) throws IOException {
    if (gen instanceof JsonGeneratorImpl) {
      gen.writeRawValue(json());
    } else {
      tree.serialize(gen, serializers);
    }
  }

  @Override
  public void serializeWithType(
      JsonGenerator gen, SerializerProvider serializers, TypeSerializer typeSer)
      throws IOException {
    WritableTypeId id = typeSer.writeTypePrefix(gen, typeSer.typeId(this, tree.asToken()));
    serialize(gen, serializers);
    typeSer.writeTypeSuffix(gen, id);
  }

  private SerializableString json() {
    SerializableString s = json;
    if (s == null) {
      try {
        s = new SerializedString(TEXT.writeValueAsString(tree));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write a pose", e);
      }
      json = s;
    }
    return s;
  }
}
