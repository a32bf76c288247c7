package io.tandem.protocol;

/** A frame the server sends to a client. {@link Ping} and {@link Pong} are also client frames. */
public sealed interface ServerFrame extends Frame
    permits Welcome,
        Snapshot,
        Delta,
        PresenceChanged,
        Poses,
        Events,
        Ended,
        ReplayEvents,
        ReplayEnd,
        Ok,
        ErrorFrame,
        Bye,
        Resync,
        Quality,
        SettingsChanged,
        Changes,
        SnapshotPart,
        ControlRelayed,
        Ping,
        Pong {}
