package io.tandem.node.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.persistence.CborSerializable;

/**
 * A member of a session as others see it. {@code presence} is treated as an immutable value: it is
 * never mutated after it entered the system.
 */
public record MemberInfo(String name, String kind, String role, JsonNode presence)
    implements CborSerializable {}
