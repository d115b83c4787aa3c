// Public surface of server-side Table printing. Other components import only from here.

export type { Cell, ColumnDefinition, ColumnType, TablePrinter, TableRowCondition } from './types.js';
export { tableFor, hasPrinter } from './registry.js';
export { humanDuration, timestampSince, parseTime } from './human-duration.js';
export { summarizePod, NODE_UNREACHABLE_POD_REASON, POD_REASON_SCHEDULING_GATED, type PodSummary } from './pod-printer.js';
export { defaultPrinter, createdAtPrinter } from './cluster-printers.js';
export { customResourcePrinter, evalSimpleJsonPath, type CustomColumn } from './custom-printer.js';
