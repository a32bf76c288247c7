package io.tandem.node.map;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.SessionUpdate;
import java.util.Map;

/**
 * One durable change of a map: the entries of one durable {@code put}, a null (or JSON null) value
 * deleting its key. Its values are never mutated.
 */
public record MapChange(long seq, long ts, String by, Map<String, JsonNode> entries)
    implements SessionUpdate {}
