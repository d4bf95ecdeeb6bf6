/**
 * PlainBuffer wire constants: the row format Tablestore uses inside its protobuf
 * messages. Values from the service's PlainBuffer specification as the official SDKs
 * implement it (aliyun-tablestore-nodejs-sdk lib/protocol/plain_buffer_consts.js).
 */

/** Every PlainBuffer starts with this little-endian uint32. */
export const PLAIN_BUFFER_HEADER = 0x75;

/** Tags that introduce each part of a row. */
export const Tag = {
  ROW_PK: 0x01,
  ROW_DATA: 0x02,
  CELL: 0x03,
  CELL_NAME: 0x04,
  CELL_VALUE: 0x05,
  CELL_TYPE: 0x06,
  CELL_TIMESTAMP: 0x07,
  DELETE_ROW_MARKER: 0x08,
  ROW_CHECKSUM: 0x09,
  CELL_CHECKSUM: 0x0a,
} as const;

/** Type byte of a value ("variant type"). */
export const VariantType = {
  INTEGER: 0x00,
  DOUBLE: 0x01,
  BOOLEAN: 0x02,
  STRING: 0x03,
  NULL: 0x06,
  BLOB: 0x07,
  INF_MIN: 0x09,
  INF_MAX: 0x0a,
  AUTO_INCREMENT: 0x0b,
} as const;

/** Cell operation byte (TAG_CELL_TYPE) in an update. */
export const CellOpType = {
  DELETE_ALL: 0x01,
  DELETE: 0x03,
  INCREMENT: 0x04,
} as const;
