/**
 * Bounds for the JSON that arrives over the wire (REST bodies, WebSocket messages), on top of the
 * byte caps of the transports (the Express body limit, the hub's maxPayload): how deep and how
 * many keys and items. Flow documents nest their JSON Schemas a few levels deep; 64 is far above
 * any real flow and far below what could hurt.
 */
import { boundedJson, type JsonLimits } from '../json-bounds.ts';

export const WIRE_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxDepth: 64, maxBytes: 8 * 1024 * 1024, maxEntries: 200_000 });

/** Any JSON value within the wire's bounds (`boundedJson` with WIRE_JSON_LIMITS). */
export const wireJson = () => boundedJson(WIRE_JSON_LIMITS);
