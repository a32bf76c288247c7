package io.tandem.node.room;

import io.tandem.persistence.CborSerializable;

/** A shared object in the room's state, with the time its hold was last touched (grab or move). */
public record SharedObject(ObjectView view, long touchedAt) implements CborSerializable {}
