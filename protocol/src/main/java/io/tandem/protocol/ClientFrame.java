package io.tandem.protocol;

/** A frame a client sends to the server. {@link Ping} and {@link Pong} are also server frames. */
public sealed interface ClientFrame extends Frame
    permits Hello,
        Join,
        Leave,
        Op,
        ObjectAction,
        Presence,
        Pose,
        Publish,
        End,
        Replay,
        ReplayPause,
        ReplayResume,
        ReplaySeek,
        ReplaySpeed,
        ChangeSettings,
        Put,
        Control,
        Ping,
        Pong {}
