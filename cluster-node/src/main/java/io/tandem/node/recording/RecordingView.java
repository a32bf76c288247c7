package io.tandem.node.recording;

import io.tandem.node.session.SessionState;
import java.util.List;

/**
 * What a late joiner of a recording gets: every static batch, then the latest checkpoint batch and
 * every batch after it (protocol 4.3), and whether the recording ended.
 */
public record RecordingView(List<RecordedBatch> statics, List<RecordedBatch> events, boolean ended)
    implements SessionState {}
