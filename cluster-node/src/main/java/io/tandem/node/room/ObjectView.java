package io.tandem.node.room;

import io.tandem.persistence.CborSerializable;

/** A shared object as clients see it; {@code heldBy} is the holder's member id, or null. */
public record ObjectView(String asset, ObjectTransform transform, String heldBy)
    implements CborSerializable {}
