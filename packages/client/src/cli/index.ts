/**
 * `@uid2-ts/client/cli` — the bulk identity-mapping command (`uid2 map`) and its streaming CSV
 * reader/writer. Loaded by the `uid2` command of `@uid2-ts/server`.
 */
export { CsvParser, CsvRecordCounter, csvField, csvRecord, parseCsv } from './csv.js';
export { MAP_HELP, MAP_OUTPUT_COLUMNS, type MapCommandIo, runMapCommand } from './map.js';
