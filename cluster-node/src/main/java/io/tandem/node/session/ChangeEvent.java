package io.tandem.node.session;

/**
 * A persisted event that records a durable change, so that the journal can be read back as the
 * changes clients saw (resume from the journal, replay).
 */
public interface ChangeEvent {
  SessionUpdate change();
}
