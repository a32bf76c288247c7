package io.tandem.node.session;

import java.util.List;

/**
 * What the durable state of every session entity tells the parts they share ({@link
 * SessionLifecycle}): whether the session was created, its history's epoch and seq, its times, and
 * the recent changes that answer a resume from memory. Read on the entity's thread only.
 */
public interface DurableSession {

  /** False until the first join created the session. */
  boolean exists();

  /** The name of the session's history; null until it exists. */
  String epoch();

  /** The seq of the last durable change, 0 before any. */
  long seq();

  long created();

  long lastActivity();

  /** The changes after {@code since}, if memory still holds all of them; else null. */
  List<? extends SessionUpdate> changesAfter(long since);

  /**
   * The first journal sequence number that can hold a change after {@code since}: where a resume
   * the memory cannot answer starts reading the journal. 0 reads it from the start.
   */
  long journalFrom(long since);
}
