package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One member of a session as shown in {@code snapshot.members} and {@code presence.members}, keyed
 * by member id ({@code <principal>/<connection>}).
 *
 * @param name display name (omitted on the wire when null)
 * @param kind client kind wire name, e.g. {@code browser} (omitted when null)
 * @param role role wire name, e.g. {@code editor} (omitted when null)
 * @param presence the member's presence object; {@code {}} when it has none (null becomes {@code
 *     {}}). Deep-copied on the way in; treat the returned node as read-only.
 */
public record MemberEntry(String name, String kind, String role, JsonNode presence) {

  /**
   * Copies the presence.
   *
   * @throws IllegalArgumentException when presence is not a JSON object
   */
  public MemberEntry {
    presence = Values.objectOrEmpty(presence, "presence");
  }
}
