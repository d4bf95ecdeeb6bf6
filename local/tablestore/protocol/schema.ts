/**
 * The protobuf messages of the Tablestore API (2015-12-31) that the emulator serves,
 * written out from the service's published protocol (the same messages the SDKs ship
 * as tablestore.proto and tablestore_filter.proto). Field numbers are the wire contract.
 */
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto2";
package ots;

message Error { required string code = 1; optional string message = 2; }

enum PrimaryKeyType { INTEGER = 1; STRING = 2; BINARY = 3; }
enum PrimaryKeyOption { AUTO_INCREMENT = 1; }
enum DefinedColumnType { DCT_INTEGER = 1; DCT_DOUBLE = 2; DCT_BOOLEAN = 3; DCT_STRING = 4; DCT_BLOB = 7; }
message PrimaryKeySchema { required string name = 1; required PrimaryKeyType type = 2; optional PrimaryKeyOption option = 3; }
message DefinedColumnSchema { required string name = 1; required DefinedColumnType type = 2; }
message TableOptions {
  optional int32 time_to_live = 1; optional int32 max_versions = 2; optional int32 bloom_filter_type = 3;
  optional int32 block_size = 4; optional int64 deviation_cell_version_in_sec = 5; optional bool allow_update = 6;
}
enum IndexUpdateMode { IUM_ASYNC_INDEX = 0; IUM_SYNC_INDEX = 1; }
enum IndexType { IT_GLOBAL_INDEX = 0; IT_LOCAL_INDEX = 1; }
enum IndexSyncPhase { ISP_INVALID = 0; ISP_FULL = 1; ISP_INCR = 2; }
message IndexMeta {
  required string name = 1; repeated string primary_key = 2; repeated string defined_column = 3;
  required IndexUpdateMode index_update_mode = 4; required IndexType index_type = 5; optional IndexSyncPhase index_sync_phase = 6;
}
message TableMeta {
  required string table_name = 1; repeated PrimaryKeySchema primary_key = 2; repeated DefinedColumnSchema defined_column = 3;
  repeated IndexMeta index_meta = 4;
}
enum TableStatus { ACTIVE = 1; INACTIVE = 2; LOADING = 3; UNLOADING = 4; UPDATING = 5; }
enum RowExistenceExpectation { IGNORE = 0; EXPECT_EXIST = 1; EXPECT_NOT_EXIST = 2; }
message Condition { required RowExistenceExpectation row_existence = 1; optional bytes column_condition = 2; }
message CapacityUnit { optional int32 read = 1; optional int32 write = 2; }
message ReservedThroughputDetails { required CapacityUnit capacity_unit = 1; required int64 last_increase_time = 2; optional int64 last_decrease_time = 3; }
message ReservedThroughput { required CapacityUnit capacity_unit = 1; }
message ConsumedCapacity { required CapacityUnit capacity_unit = 1; }
message StreamSpecification { required bool enable_stream = 1; optional int32 expiration_time = 2; }

message CreateTableRequest {
  required TableMeta table_meta = 1; required ReservedThroughput reserved_throughput = 2;
  optional TableOptions table_options = 3; optional StreamSpecification stream_spec = 5;
  repeated IndexMeta index_metas = 7;
}
message CreateTableResponse {}
message CreateIndexRequest { required string main_table_name = 1; required IndexMeta index_meta = 2; optional bool include_base_data = 3; }
message CreateIndexResponse {}
message DropIndexRequest { required string main_table_name = 1; required string index_name = 2; }
message DropIndexResponse {}
message DescribeTableRequest { required string table_name = 1; }
message DescribeTableResponse {
  required TableMeta table_meta = 1; required ReservedThroughputDetails reserved_throughput_details = 2;
  required TableOptions table_options = 3; required TableStatus table_status = 4; repeated bytes shard_splits = 6;
  repeated IndexMeta index_metas = 8;
}
message ListTableRequest {}
message ListTableResponse { repeated string table_names = 1; }
message DeleteTableRequest { required string table_name = 1; }
message DeleteTableResponse {}

message TimeRange { optional int64 start_time = 1; optional int64 end_time = 2; optional int64 specific_time = 3; }
enum ReturnType { RT_NONE = 0; RT_PK = 1; RT_AFTER_MODIFY = 2; }
message ReturnContent { optional ReturnType return_type = 1; repeated string return_column_names = 2; }

message GetRowRequest {
  required string table_name = 1; required bytes primary_key = 2; repeated string columns_to_get = 3;
  optional TimeRange time_range = 4; optional int32 max_versions = 5; optional bool cache_blocks = 6;
  optional bytes filter = 7; optional string start_column = 8; optional string end_column = 9;
  optional bytes token = 10; optional string transaction_id = 11;
}
message GetRowResponse { required ConsumedCapacity consumed = 1; required bytes row = 2; optional bytes next_token = 3; }
message UpdateRowRequest {
  required string table_name = 1; required bytes row_change = 2; required Condition condition = 3;
  optional ReturnContent return_content = 4; optional string transaction_id = 5;
}
message UpdateRowResponse { required ConsumedCapacity consumed = 1; optional bytes row = 2; }
message PutRowRequest {
  required string table_name = 1; required bytes row = 2; required Condition condition = 3;
  optional ReturnContent return_content = 4; optional string transaction_id = 5;
}
message PutRowResponse { required ConsumedCapacity consumed = 1; optional bytes row = 2; }
message DeleteRowRequest {
  required string table_name = 1; required bytes primary_key = 2; required Condition condition = 3;
  optional ReturnContent return_content = 4; optional string transaction_id = 5;
}
message DeleteRowResponse { required ConsumedCapacity consumed = 1; optional bytes row = 2; }

message TableInBatchGetRowRequest {
  required string table_name = 1; repeated bytes primary_key = 2; repeated bytes token = 3;
  repeated string columns_to_get = 4; optional TimeRange time_range = 5; optional int32 max_versions = 6;
  optional bool cache_blocks = 7; optional bytes filter = 8; optional string start_column = 9; optional string end_column = 10;
}
message BatchGetRowRequest { repeated TableInBatchGetRowRequest tables = 1; }
message RowInBatchGetRowResponse {
  required bool is_ok = 1; optional Error error = 2; optional ConsumedCapacity consumed = 3;
  optional bytes row = 4; optional bytes next_token = 5;
}
message TableInBatchGetRowResponse { required string table_name = 1; repeated RowInBatchGetRowResponse rows = 2; }
message BatchGetRowResponse { repeated TableInBatchGetRowResponse tables = 1; }

enum OperationType { PUT = 1; UPDATE = 2; DELETE = 3; }
message RowInBatchWriteRowRequest {
  required OperationType type = 1; required bytes row_change = 2; required Condition condition = 3;
  optional ReturnContent return_content = 4;
}
message TableInBatchWriteRowRequest { required string table_name = 1; repeated RowInBatchWriteRowRequest rows = 2; }
message BatchWriteRowRequest { repeated TableInBatchWriteRowRequest tables = 1; optional string transaction_id = 2; }
message RowInBatchWriteRowResponse { required bool is_ok = 1; optional Error error = 2; optional ConsumedCapacity consumed = 3; optional bytes row = 4; }
message TableInBatchWriteRowResponse { required string table_name = 1; repeated RowInBatchWriteRowResponse rows = 2; }
message BatchWriteRowResponse { repeated TableInBatchWriteRowResponse tables = 1; }

enum Direction { FORWARD = 0; BACKWARD = 1; }
message GetRangeRequest {
  required string table_name = 1; required Direction direction = 2; repeated string columns_to_get = 3;
  optional TimeRange time_range = 4; optional int32 max_versions = 5; optional int32 limit = 6;
  required bytes inclusive_start_primary_key = 7; required bytes exclusive_end_primary_key = 8;
  optional bool cache_blocks = 9; optional bytes filter = 10; optional string start_column = 11;
  optional string end_column = 12; optional bytes token = 13; optional string transaction_id = 14;
}
message GetRangeResponse {
  required ConsumedCapacity consumed = 1; required bytes rows = 2; optional bytes next_start_primary_key = 3;
  optional bytes next_token = 4;
}

enum FilterType { FT_SINGLE_COLUMN_VALUE = 1; FT_COMPOSITE_COLUMN_VALUE = 2; FT_COLUMN_PAGINATION = 3; }
enum ComparatorType {
  CT_EQUAL = 1; CT_NOT_EQUAL = 2; CT_GREATER_THAN = 3; CT_GREATER_EQUAL = 4; CT_LESS_THAN = 5; CT_LESS_EQUAL = 6;
}
message SingleColumnValueFilter {
  required ComparatorType comparator = 1; required string column_name = 2; required bytes column_value = 3;
  required bool filter_if_missing = 4; required bool latest_version_only = 5;
}
enum LogicalOperator { LO_NOT = 1; LO_AND = 2; LO_OR = 3; }
message CompositeColumnValueFilter { required LogicalOperator combinator = 1; repeated Filter sub_filters = 2; }
message ColumnPaginationFilter { required int32 offset = 1; required int32 limit = 2; }
message Filter { required FilterType type = 1; required bytes filter = 2; }
`;

const root = protobuf.parse(PROTO).root;
// lookupType walks the namespace on every call; every request and answer needs a type.
const types = new Map<string, protobuf.Type>();

/** Looks up a message type of the schema by name (`PutRowRequest`, `Error`, …). */
export function messageType(name: string): protobuf.Type {
  let type = types.get(name);
  if (type === undefined) {
    type = root.lookupType(`ots.${name}`);
    types.set(name, type);
  }
  return type;
}

/** Decodes `bytes` as message `name` into a plain object (enums as numbers, bytes as Buffers). */
export function decodeMessage<T>(name: string, bytes: Uint8Array): T {
  const type = messageType(name);
  const message = type.decode(bytes);
  return type.toObject(message, { longs: String, bytes: Buffer, defaults: false, arrays: true }) as T;
}

/** Encodes a plain object as message `name`; throws when it lacks a required field. */
export function encodeMessage(name: string, value: object): Buffer {
  const type = messageType(name);
  const problem = type.verify(value);
  if (problem) throw new Error(`cannot encode ${name}: ${problem}`);
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}
