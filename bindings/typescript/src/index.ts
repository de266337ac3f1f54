/**
 * MIST protocol bindings for TypeScript (Node 20 or later): the message
 * envelope, the typed payloads, and the HTTP and stdio transports, speaking
 * exactly the wire format of the Go packages protocol and transport.
 *
 * ```ts
 * import { newMessage, unmarshal, TYPE_HEALTH_PING, SOURCE_MATCH_SPEC } from "mist-bindings";
 *
 * const msg = newMessage(SOURCE_MATCH_SPEC, TYPE_HEALTH_PING, { from: "matchspec" });
 * const data = msg.marshalWithChecksum();       // bytes, as Go writes them
 * const got = unmarshal(data);                  // checks like Go's protocol.Unmarshal
 * const ping = got.decodeAs(TYPE_HEALTH_PING);  // { from: "matchspec" }
 * ```
 *
 * @module
 */

export * from "./types.js";
export {
  CURRENT_VERSION,
  MAX_MESSAGE_SIZE,
  MAX_SUPPORTED_VERSION,
  MIN_SUPPORTED_VERSION,
  SOURCE_INFER_MUX,
  SOURCE_MATCH_SPEC,
  SOURCE_SCHEMA_FLUX,
  SOURCE_TOKEN_TRACE,
  Message,
  RawJSON,
  checkVersion,
  isCompatible,
  negotiateVersion,
  newMessage,
  nowNs,
  unmarshal,
  versionInfo,
  type MessageInit,
} from "./envelope.js";
export { checksum, crc32 } from "./checksum.js";
export { ClosedError, Code, FullError, MistError, codeOf, exitCode, httpStatus, type MistErrorOptions } from "./errors.js";
export {
  HTTPReceiver,
  HTTPSender,
  encodeForSend,
  type CallOptions,
  type HTTPReceiverOptions,
  type HTTPSenderOptions,
} from "./http.js";
export { Stdio } from "./stdio.js";
export type { Codec, Encoder, Parser } from "./shape.js";
