// GENERATED from the Java enums of the protocol module (FrameType, ErrorCode, CloseCode) by
// io.tandem.protocol.ClientTables. Do not edit by hand: ClientTablesTest fails when this file
// and the enums differ. Rewrite it with, from the repository root:
//   mvn -B -o -q -pl protocol compile && java -cp protocol/target/classes io.tandem.protocol.ClientTables client-web/src/protocol-tables.js

/** Frame types a client sends (section 2 onwards). */
export const CLIENT_FRAME_TYPES = Object.freeze([
  'hello', 'join', 'leave', 'op', 'object', 'presence', 'pose', 'publish', 'end', 'replay',
  'replay.pause', 'replay.resume', 'replay.seek', 'replay.speed', 'settings', 'put', 'control',
  'ping', 'pong',
]);

/** Frame types a server sends; each is also an event name of the client. */
export const SERVER_FRAME_TYPES = Object.freeze([
  'ping', 'pong', 'welcome', 'snapshot', 'delta', 'presence', 'poses', 'events', 'ended',
  'replay.events', 'replay.end', 'changes', 'snapshot.part', 'control', 'ok', 'error', 'bye',
  'resync', 'quality', 'settings',
]);

/** The `code`s of `error` frames (section 7). */
export const ERROR_CODES = Object.freeze([
  'bad_frame', 'unsupported_version', 'unknown_type', 'unauthorized', 'forbidden', 'not_joined',
  'not_found', 'invalid_session', 'not_owner', 'too_big', 'rate_limited', 'conflict',
  'unavailable', 'internal',
]);

/** Error codes whose frames count as malformed for the 1008 rule. */
export const MALFORMED_ERROR_CODES = Object.freeze([
  'bad_frame', 'unsupported_version', 'unknown_type',
]);

/**
 * WebSocket close codes the server uses (section 3): `name` (the Java constant) and `reconnect`,
 * whether a client reconnects on its own after it (4401: only with a new token).
 */
export const CLOSE_CODES = Object.freeze({
  1000: Object.freeze({ name: 'NORMAL', reconnect: false }),
  1001: Object.freeze({ name: 'GOING_AWAY', reconnect: true }),
  1008: Object.freeze({ name: 'MALFORMED', reconnect: false }),
  1009: Object.freeze({ name: 'TOO_BIG', reconnect: false }),
  1011: Object.freeze({ name: 'INTERNAL', reconnect: true }),
  1012: Object.freeze({ name: 'DRAINING', reconnect: true }),
  4401: Object.freeze({ name: 'UNAUTHORIZED', reconnect: false }),
  4403: Object.freeze({ name: 'FORBIDDEN', reconnect: false }),
  4408: Object.freeze({ name: 'HELLO_TIMEOUT', reconnect: true }),
  4429: Object.freeze({ name: 'RATE_LIMITED', reconnect: true }),
});
