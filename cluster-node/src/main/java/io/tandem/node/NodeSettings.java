package io.tandem.node;

import com.typesafe.config.Config;
import io.tandem.node.auth.AuthSettings;
import io.tandem.node.cluster.ClusterSettings;
import io.tandem.node.http.HttpSettings;
import io.tandem.node.recording.RecordingSettings;
import io.tandem.node.room.RoomSettings;
import io.tandem.node.ws.WsSettings;

/** Everything a node reads from {@code tandem { }}, read once at start. */
public record NodeSettings(
    HttpSettings http,
    AuthSettings auth,
    WsSettings ws,
    RoomSettings rooms,
    RecordingSettings recordings,
    ClusterSettings cluster,
    boolean devMode,
    boolean devModeAllowNonLoopback,
    String nodeName,
    io.tandem.node.xr.XrSettings xr,
    boolean sessionIndexBackfill,
    io.tandem.node.map.MapSettings maps) {

  public static NodeSettings fromConfig(Config root) {
    return new NodeSettings(
        HttpSettings.fromConfig(root),
        AuthSettings.fromConfig(root),
        WsSettings.fromConfig(root),
        RoomSettings.fromConfig(root),
        RecordingSettings.fromConfig(root),
        ClusterSettings.fromConfig(root),
        root.getBoolean("tandem.dev-mode"),
        root.getBoolean("tandem.dev-mode-allow-non-loopback"),
        root.getString("tandem.node-name"),
        io.tandem.node.xr.XrSettings.fromConfig(root),
        root.getBoolean("tandem.session-index-backfill"),
        io.tandem.node.map.MapSettings.fromConfig(
            root, WsSettings.fromConfig(root).maxFrameBytes()));
  }

  public NodeSettings withAuth(AuthSettings newAuth) {
    return new NodeSettings(
        http,
        newAuth,
        ws,
        rooms,
        recordings,
        cluster,
        devMode,
        devModeAllowNonLoopback,
        nodeName,
        xr,
        sessionIndexBackfill,
        maps);
  }
}
