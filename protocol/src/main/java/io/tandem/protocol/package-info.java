/**
 * The wire model of Tandem protocol v1: frames as sealed interfaces and records, their JSON and
 * CBOR codec, and the shared tables of frame types, error codes and close codes. No Pekko, no
 * networking; the server's WebSocket edge and Java clients both build on it.
 *
 * <ul>
 *   <li>{@link io.tandem.protocol.Frame}, {@link io.tandem.protocol.ClientFrame}, {@link
 *       io.tandem.protocol.ServerFrame}: the frames, one record per type.
 *   <li>{@link io.tandem.protocol.FrameType}: the one table of frame types.
 *   <li>{@link io.tandem.protocol.FrameCodec}: encode and decode, never throwing on input; its
 *       documentation lists every decoding rule and leniency.
 *   <li>{@link io.tandem.protocol.ErrorCode} and {@link io.tandem.protocol.CloseCode}: the one
 *       table each of error codes and close codes.
 * </ul>
 */
package io.tandem.protocol;
