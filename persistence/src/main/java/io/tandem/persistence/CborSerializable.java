package io.tandem.persistence;

/**
 * Marker for every message that crosses the cluster and every persisted event and snapshot.
 *
 * <p>{@code serialization.conf} binds it to Pekko's {@code jackson-cbor} serializer, and Java
 * serialization is switched off, so a message that does not implement this marker (directly or
 * through its sealed interface) fails loudly instead of being serialized some other way. Records
 * are serialized through their components (the build compiles with {@code -parameters});
 * polymorphic fields use {@code @JsonTypeInfo(use = NAME)} with {@code @JsonSubTypes}, never class
 * names.
 */
public interface CborSerializable {}
