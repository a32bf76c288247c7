package io.tandem.node.xr;

/**
 * A level of detail: what the server recommends an XR client to load, for the connection as a whole
 * and per shared object of a room. The one place where a level meets its wire name ({@code "high"},
 * {@code "low"} in {@code quality} frames, docs/protocol.md "Level of detail").
 */
public enum Lod {
  HIGH("high"),
  LOW("low");

  private final String wire;

  Lod(String wire) {
    this.wire = wire;
  }

  /** The level's name in {@code quality} frames. */
  public String wire() {
    return wire;
  }

  /**
   * The level a wire name stands for.
   *
   * @throws IllegalArgumentException for anything but {@code "high"} and {@code "low"}
   */
  public static Lod fromWire(String wire) {
    if (HIGH.wire.equals(wire)) {
      return HIGH;
    }
    if (LOW.wire.equals(wire)) {
      return LOW;
    }
    throw new IllegalArgumentException("not a level of detail: " + wire);
  }
}
