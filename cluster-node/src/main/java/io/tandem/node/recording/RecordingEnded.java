package io.tandem.node.recording;

import io.tandem.node.session.SessionUpdate;

/** The publisher ended the recording: a durable change of its own. */
public record RecordingEnded(long seq, long ts, String by) implements SessionUpdate {}
