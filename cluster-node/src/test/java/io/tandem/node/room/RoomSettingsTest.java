package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link RoomSettings#DEFAULTS} is what {@code tandem.conf} says; a wither changes one field. */
class RoomSettingsTest {

  @Test
  void defaultsAreTheDefaultsOfTandemConf() {
    // without the environment: a TANDEM_ROOM_* override on this machine must not count
    // (tandem.data-dir is set by application.conf; the rooms do not use it)
    var conf =
        ConfigFactory.parseResources("tandem.conf")
            .withFallback(ConfigFactory.parseString("tandem.data-dir = unused"))
            .resolve(ConfigResolveOptions.noSystem());
    assertEquals(RoomSettings.fromConfig(conf), RoomSettings.DEFAULTS);
  }

  @Test
  void aWitherChangesOnlyItsField() {
    RoomSettings changed = RoomSettings.DEFAULTS.withMaxMembers(3);
    assertEquals(3, changed.maxMembers());
    assertEquals(RoomSettings.DEFAULTS, changed.withMaxMembers(RoomSettings.DEFAULTS.maxMembers()));
  }

  @Test
  void aWitherKeepsTheBoundsOfTheConstructor() {
    assertEquals(
        RoomSettings.MIN_TICK,
        RoomSettings.DEFAULTS.withTickInterval(Duration.ofMillis(1)).tickInterval());
    assertEquals(1, RoomSettings.DEFAULTS.withPosesPerWrite(0).posesPerWrite());
  }
}
