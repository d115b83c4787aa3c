// Shapes of server-side Table printing (meta.k8s.io/v1 Table). The API server assembles
// the Table; a printer only knows its columns and how to turn one object into cells.

import type { KObject } from '../types/index.js';

/** A JSON-schema type name, as in TableColumnDefinition.type. */
export type ColumnType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

export interface ColumnDefinition {
  name: string;
  type: ColumnType;
  /** `name` for the object-name column, otherwise "". */
  format: string;
  description: string;
  /** 0: always shown; 1: shown by `kubectl get -o wide`. */
  priority: number;
}

/** Integer cells are JSON numbers; everything else is a string or a boolean, as upstream. */
export type Cell = string | number | boolean;

export interface TableRowCondition {
  type: 'Completed';
  status: 'True';
  reason: string;
  message: string;
}

export interface TablePrinter {
  readonly columns: readonly ColumnDefinition[];
  /**
   * One cell per column, always including the priority-1 ones (the apiserver generates
   * wide rows and kubectl hides columns itself). `now` is epoch milliseconds.
   */
  row(obj: KObject, now: number): Cell[];
  /** TableRow.conditions, e.g. Completed for finished pods; absent when none. */
  conditions?(obj: KObject): TableRowCondition[] | undefined;
}
