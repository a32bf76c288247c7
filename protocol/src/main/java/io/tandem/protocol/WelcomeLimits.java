package io.tandem.protocol;

/**
 * The limits announced in {@code welcome.payload.limits}.
 *
 * @param maxFrameBytes the largest frame the server accepts, in bytes
 * @param maxFramesPerSecond the sustained frame rate allowed per connection
 */
public record WelcomeLimits(int maxFrameBytes, int maxFramesPerSecond) {}
