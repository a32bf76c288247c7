package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.persistence.CborSerializable;

/**
 * A member of a session as others see it. {@code presence} is treated as an immutable value: it is
 * never mutated after it entered the system. {@code device} is the device id an XR client named in
 * {@code hello} (or null); it is never shown to other clients.
 */
public record MemberInfo(String name, String kind, String role, JsonNode presence, String device)
    implements CborSerializable {

  @JsonCreator
  public MemberInfo {}

  public MemberInfo(String name, String kind, String role, JsonNode presence) {
    this(name, kind, role, presence, null);
  }

  /** The same member with another presence. */
  public MemberInfo withPresence(JsonNode newPresence) {
    return new MemberInfo(name, kind, role, newPresence, device);
  }
}
