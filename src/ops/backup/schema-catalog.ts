import type { Queryable } from '../../store/index.ts';

/**
 * What a logical backup needs to know about the tables of the store's schema, read from the
 * PostgreSQL catalog (the same on PGlite and a server): every ordinary or partitioned table of
 * the current schema, its columns in order with their declared types, its primary key, and the
 * order in which tables can be filled without breaking a foreign key. Nothing is listed by
 * hand: a table a migration adds is in the next backup.
 */

/** One column as the backup records and restores it. */
export interface ColumnInfo {
  name: string;
  /** `format_type` of the column, e.g. `numeric(78,0)`, `jsonb`, `timestamp with time zone`. */
  type: string;
  /** Text-like types compare with `collate "C"` so both servers sort keys alike. */
  collatable: boolean;
  /** An identity column (`generated ... as identity`): inserted with OVERRIDING SYSTEM VALUE. */
  identity: boolean;
  /** Fed by a sequence (serial or identity): the sequence is moved past the restored rows. */
  sequence: string | null;
}

/** One table of the schema. */
export interface TableInfo {
  name: string;
  /** Stored columns (generated columns are left out: the database recomputes them). */
  columns: ColumnInfo[];
  /** Indexes into `columns` of the primary key, in key order; empty = no primary key. */
  primaryKey: number[];
}

/** Quotes an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

interface TableRow {
  oid: string;
  name: string;
  [column: string]: unknown;
}

interface ColumnRow {
  name: string;
  type: string;
  collatable: boolean;
  identity: string;
  sequence: string | null;
  [column: string]: unknown;
}

/** Every table of the current schema in an order that satisfies its foreign keys (parents first). */
export async function readTables(db: Queryable): Promise<TableInfo[]> {
  const tables = await db.query<TableRow>(
    `select c.oid::text as oid, c.relname as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition
      order by c.relname collate "C"`,
  );
  const infos: TableInfo[] = [];
  for (const table of tables.rows) {
    const columns = await db.query<ColumnRow>(
      `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, t.typcollation <> 0 as collatable,
              a.attidentity::text as identity, pg_get_serial_sequence(quote_ident($2), a.attname) as sequence
         from pg_attribute a join pg_type t on t.oid = a.atttypid
        where a.attrelid = $1::oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
        order by a.attnum`,
      [table.oid, table.name],
    );
    const key = await db.query<{ name: string; [column: string]: unknown }>(
      `select a.attname as name
         from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = $1::oid and i.indisprimary
        order by array_position(i.indkey::int2[], a.attnum)`,
      [table.oid],
    );
    const cols = columns.rows.map((c) => ({ name: c.name, type: c.type, collatable: c.collatable, identity: c.identity !== '', sequence: c.sequence }));
    const primaryKey = key.rows.map((k) => cols.findIndex((c) => c.name === k.name));
    infos.push({ name: table.name, columns: cols, primaryKey: primaryKey.includes(-1) ? [] : primaryKey });
  }
  const edges = await db.query<{ child: string; parent: string; [column: string]: unknown }>(
    `select c.relname as child, p.relname as parent
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
       join pg_namespace n on n.oid = c.relnamespace
      where k.contype = 'f' and n.nspname = current_schema() and c.oid <> p.oid`,
  );
  return parentsFirst(infos, edges.rows);
}

/** Orders tables so every foreign key's parent precedes its child (stable by name otherwise). */
function parentsFirst(tables: TableInfo[], edges: ReadonlyArray<{ child: string; parent: string }>): TableInfo[] {
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const byName = new Map(tables.map((t) => [t.name, t]));
  const visit = (table: TableInfo): void => {
    if (placed.has(table.name) || visiting.has(table.name)) return; // a cycle is left to the database to report
    visiting.add(table.name);
    for (const edge of edges) {
      const parent = edge.child === table.name ? byName.get(edge.parent) : undefined;
      if (parent !== undefined) visit(parent);
    }
    visiting.delete(table.name);
    placed.add(table.name);
    ordered.push(table);
  };
  tables.forEach(visit);
  return ordered;
}
