package io.tandem.node.room;

import io.tandem.persistence.CborSerializable;

/**
 * An XR member that disconnected while it may come back: its holds stay its own until {@code until}
 * (epoch ms), and {@code pose} (or null) is where its avatar was. Part of the room's durable state,
 * so a room that moves to another node during the grace period still gives the holds back.
 */
public record ParkedMember(String memberId, long until, MemberPose pose)
    implements CborSerializable {}
