// Public surface of the schema component: the field table of every built-in kind and its
// three uses (protobuf request decoding, strict field validation, OpenAPI v3 documents).
export {
  getMessage, hasMessage, messageFor, messageNames, parseApiVersion, protoPackageOf, specialOf,
  type FieldSchema, type MessageSchema, type ScalarType, type SpecialType,
} from './schema.js';
export { decodeK8sProtobuf, decodeProtobufMessage, type DecodedObject } from './protobuf.js';
export {
  encodeEnvelope, envelopeRawOffset, ENVELOPE_TAIL_BYTES, encodeK8sProtobufObject, encodeListParts, encodeMessageBytes, encodeWatchFrame, protobufMessageOf,
  splitWatchFrames, ProtobufEncodeError, PROTOBUF_MEDIA_TYPE, PROTOBUF_WATCH_MEDIA_TYPE, WATCH_EVENT,
} from './protobuf-encode.js';
export { findUnknownFields, findUnknownFieldsIn, dropUnknownFields, unknownFieldMessage } from './fields.js';
export {
  buildOpenApiV3Document, buildOpenApiV3Index, openApiGvPath, openApiHash, schemaNameOf,
  OPENAPI_KUBERNETES_VERSION, type OpenApiResource, type OpenApiSubresource,
} from './openapi.js';
export { listMetadataFor, type ListMetadata } from './list-metadata.js';
export { findScalarTypeError } from './scalar-types.js';
export { buildOpenApiV2Document } from './openapi-v2.js';
export { encodeOpenApiV2Proto } from './openapi-v2-proto.js';
