// Minimal SPDY/3.1 (kubectl's exec/attach fallback and port-forward), see README.md.
export { SPDY3_DICTIONARY } from './dictionary.js';
export { encodeFrame, FrameReader, FrameType, RstStatus, SpdyProtocolError, FLAG_FIN, MAX_FRAME_PAYLOAD, type SpdyFrame } from './frames.js';
export { encodeHeaderBlock, decodeHeaderBlock, HeaderDeflater, HeaderInflater, type SpdyHeaders } from './header-block.js';
export { SpdySession, SpdyStream, type SpdySessionOptions } from './session.js';
export { attachSocket, attachWebSocket } from './transports.js';
