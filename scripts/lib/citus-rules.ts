// The distribution rules of docs/conventions.md 17, checked on plain PostgreSQL: what Citus
// refuses (or runs as a fan-out to every shard) once the flow-scoped tables are distributed by
// partition_key. Read from the catalogue (indexes, proconfig, languages, volatility, identity
// columns) and from each function's source text with comments and string literals blanked: the
// statements themselves are what Citus plans, and plpgsql_check's dependency list names the
// relations a function reads but not how a statement filters or what it passes to a function.
// Every rule is a heuristic over that text, tuned to flag what Citus refused when it was tried
// (docs/scale-out.md), each covered by a deliberate violation in test/scripts/lint-citus.test.ts.
import type pg from 'pg';

type Db = pg.ClientBase | pg.Pool;

export type CitusRule =
  | 'unique-without-partition-key'
  | 'force-generic-plan'
  | 'whole-row-argument'
  | 'non-immutable-in-update-set'
  | 'sql-function-on-tables'
  | 'lock-without-partition-key'
  | 'recursive-cte-without-partition-key'
  | 'identity-insert-in-cte'
  | 'correlated-subquery-without-partition-key'
  | 'simple-case-in-update'
  | 'nested-distributed-call'
  | 'shard-subquery-without-value'
  | 'subquery-in-insert-values';

export interface CitusFinding {
  rule: CitusRule;
  /** The function (regprocedure text) or index the finding is about. */
  object: string;
  message: string;
}

interface Catalogue {
  /** Tables with a partition_key column: distributed by it on Citus. */
  flowTables: Set<string>;
  /** Every table of the schema, with its columns. */
  columns: Map<string, Set<string>>;
  /** Tables with an identity column. */
  identityTables: Set<string>;
  /** Function name -> volatilities of its overloads (pg_catalog and the schema). */
  volatility: Map<string, Set<string>>;
  /** The schema's functions whose body names one of its tables or calls a Graphile Worker function. */
  readsTables: Set<string>;
}

const KEYWORDS = new Set([
  'in',
  'values',
  'row',
  'exists',
  'any',
  'all',
  'some',
  'array',
  'coalesce',
  'greatest',
  'least',
  'nullif',
  'and',
  'or',
  'not',
  'on',
  'using',
  'as',
  'select',
  'from',
  'where',
  'returning',
  'then',
  'else',
  'when',
  'cast',
  'filter',
  'over',
  'partition',
  'by',
  'within',
  'group',
  'set',
  'into',
  'is',
  'case',
  'lateral',
  'join',
  'with',
  'recursive',
  'update',
  'insert',
  'delete',
  'conflict',
  'do',
  'if',
  'elsif',
  'return',
  'perform',
  'raise',
  'loop',
  'while',
  'for',
  'query',
  'execute',
  'distinct',
  'order',
  'limit',
  'offset',
  'union',
  'intersect',
  'except',
  'materialized',
  'like',
  'ilike',
  'between',
  'to',
  'of',
  'nowait',
]);

/** The body with comments, string literals and quoted identifiers' quotes removed, lower-cased. */
export function blankedSource(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '-' && next === '-') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else if (c === "'") {
      i++;
      while (i < source.length) {
        if (source[i] === "'" && source[i + 1] === "'") i += 2;
        else if (source[i] === "'") break;
        else i++;
      }
      i++;
      out += "''";
    } else if (c === '"') {
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out.toLowerCase();
}

/** The text between the parenthesis at `open` and its match (exclusive), or the rest. */
function parenthesised(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

/** Where the clause starting at `from` ends: the first of `words` at parenthesis depth 0, or the end. */
function clauseEnd(text: string, from: number, words: RegExp): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (depth === 0 && /\b/.test(text.slice(i - 1, i + 1)) && words.test(text.slice(i))) return i;
  }
  return text.length;
}

/** Statements of a body, split at semicolons (the blanked text has no literal to contain one) and at LOOP. */
function statements(body: string): string[] {
  return body
    .split(/;|\bloop\b/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** alias -> table for each flow-scoped (or any listed) table named in a FROM/JOIN/UPDATE/INTO. */
function aliases(statement: string, tables: Set<string>): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /\b([a-z_][a-z0-9_]*)(?=(?:\s+as)?\s+([a-z_][a-z0-9_]*))/g;
  for (const m of statement.matchAll(pattern)) {
    if (tables.has(m[1]) && !KEYWORDS.has(m[2])) found.set(m[2], m[1]);
  }
  for (const table of tables) {
    if (new RegExp(`\\b${table}\\b`).test(statement)) found.set(table, table);
  }
  return found;
}

function mentionsTable(statement: string, tables: Set<string>): string | undefined {
  for (const table of tables) if (new RegExp(`\\b${table}\\b`).test(statement)) return table;
  return undefined;
}

/** A comparison on partition_key: `x.partition_key = ...`, `... = partition_key`, `partition_key IN`. */
const PARTITION_FILTER = /\bpartition_key\s*(=|in\b|is not distinct from\b)|(=|\bin\s*\()\s*[a-z_0-9.]*\bpartition_key\b/;

/** Names a statement gives to relations: table aliases, CTE names, aliases of subqueries and function calls. */
function relationAliases(statement: string, tables: Set<string>): Set<string> {
  const found = new Set(aliases(statement, tables).keys());
  for (const m of statement.matchAll(/\b([a-z_][a-z0-9_]*)\s+as\s+(?:not\s+)?(?:materialized\s+)?\(/g)) found.add(m[1]);
  for (const m of statement.matchAll(/\)\s*(?:as\s+)?([a-z_][a-z0-9_]*)/g)) if (!KEYWORDS.has(m[1])) found.add(m[1]);
  // An alias given to a CTE (or any relation) where it is read: FROM/JOIN name alias.
  for (const m of statement.matchAll(/\b(?:from|join)\s+(?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*(?:\s+as)?\s+([a-z_][a-z0-9_]*)/g))
    if (!KEYWORDS.has(m[1])) found.add(m[1]);
  return found;
}

/**
 * Whether `text` compares partition_key with a value: a parameter, a variable or a field of one
 * (`v_exec.partition_key`), a constant or a function call; not a column of a relation of the
 * statement (`c.partition_key`), and not `= ANY (...)`, which may name several shards.
 */
function hasPartitionValue(text: string, relations: Set<string>): boolean {
  const operand = String.raw`(\(?[a-z_$0-9'][a-z0-9_$']*\)?(?:\.[a-z_][a-z0-9_]*)?\s*\(?)`;
  const sides = [
    ...[...text.matchAll(new RegExp(String.raw`\bpartition_key\s*=\s*` + operand, 'g'))].map((m) => m[1]),
    ...[...text.matchAll(new RegExp(operand + String.raw`\s*=\s*(?:[a-z_][a-z0-9_]*\.)?partition_key\b`, 'g'))].map((m) => m[1]),
  ];
  return sides.some((side) => {
    const value = side.trim();
    if (/^(any|all|some)\s*\(?$/.test(value)) return false;
    if (/\($/.test(value)) return true; // a function call
    const qualified = /^\(?([a-z_][a-z0-9_]*)\)?\.([a-z_][a-z0-9_]*)$/.exec(value);
    if (qualified) return !relations.has(qualified[1]);
    return value !== 'partition_key' && !value.startsWith('(');
  });
}

async function readCatalogue(db: Db, schema: string): Promise<Catalogue> {
  const { rows: columns } = await db.query(
    `SELECT c.relname::text AS table_name, a.attname::text AS column_name, a.attidentity <> '' AS identity
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    [schema],
  );
  const catalogue: Catalogue = {
    flowTables: new Set(),
    columns: new Map(),
    identityTables: new Set(),
    volatility: new Map(),
    readsTables: new Set(),
  };
  for (const row of columns) {
    if (!catalogue.columns.has(row.table_name)) catalogue.columns.set(row.table_name, new Set());
    catalogue.columns.get(row.table_name)!.add(row.column_name);
    if (row.column_name === 'partition_key') catalogue.flowTables.add(row.table_name);
    if (row.identity) catalogue.identityTables.add(row.table_name);
  }
  const { rows: procs } = await db.query(
    `SELECT DISTINCT proname::text AS name, provolatile::text AS volatility FROM pg_proc
      WHERE pronamespace IN ('pg_catalog'::regnamespace, $1::regnamespace)`,
    [schema],
  );
  for (const row of procs) {
    if (!catalogue.volatility.has(row.name)) catalogue.volatility.set(row.name, new Set());
    catalogue.volatility.get(row.name)!.add(row.volatility);
  }
  const { rows: bodies } = await db.query(
    `SELECT proname::text AS name, prosrc AS source FROM pg_proc WHERE pronamespace = $1::regnamespace`,
    [schema],
  );
  const tables = new Set(catalogue.columns.keys());
  for (const row of bodies) {
    const body = blankedSource(row.source);
    if (mentionsTable(body, tables) || /graphile_worker\.[a-z_]+\s*\(/.test(body)) catalogue.readsTables.add(row.name);
  }
  return catalogue;
}

function checkBody(label: string, body: string, catalogue: Catalogue): CitusFinding[] {
  const findings: CitusFinding[] = [];
  const add = (rule: CitusRule, message: string) => findings.push({ rule, object: label, message });
  const allTables = new Set(catalogue.columns.keys());
  for (const statement of statements(body)) {
    const flowTable = mentionsTable(statement, catalogue.flowTables);
    const flowAliases = aliases(statement, catalogue.flowTables);

    // A bare table alias as a function argument: on a shard it is the shard's row type.
    for (const [alias, table] of flowAliases) {
      const call = new RegExp(`\\b([a-z_][a-z0-9_]*)\\s*\\(([^()]*[(,]\\s*|\\s*)${alias}\\s*[,)]`, 'g');
      for (const m of statement.matchAll(call)) {
        if (KEYWORDS.has(m[1]) || !catalogue.volatility.has(m[1])) continue;
        add('whole-row-argument', `${m[1]}(${alias}) passes the whole row of ${table}; pass ROW(${alias}.*)::${table}`);
      }
    }

    // UPDATE ... SET with a STABLE or VOLATILE function over the updated table's columns.
    const update =
      /\bupdate\s+(?:only\s+)?(?:flowfabric\.)?([a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?([a-z_][a-z0-9_]*))?\s+set\b(.*?)(?:\bfrom\b|\bwhere\b|\breturning\b|$)/s.exec(
        statement,
      );
    if (update && catalogue.flowTables.has(update[1])) {
      const [, table, alias, setList] = update;
      // Citus sends CASE x WHEN 'a' ... of an UPDATE's SET to the shard as x = 'a' compared with a
      // boolean ("operator does not exist: text = boolean"): a searched CASE WHEN x = 'a' works.
      if (/\bcase\b(?!\s+when\b)/.test(setList))
        add('simple-case-in-update', `UPDATE ${table} SET uses CASE <expression> WHEN; write CASE WHEN <expression> = ...`);
      const columns = catalogue.columns.get(table)!;
      for (const m of setList.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/g)) {
        const volatility = catalogue.volatility.get(m[1]);
        if (!volatility || KEYWORDS.has(m[1]) || [...volatility].every((v) => v === 'i')) continue;
        const args = parenthesised(setList, m.index + m[0].length - 1);
        const columnRef = [...args.matchAll(/\b(?:([a-z_][a-z0-9_]*)\.)?([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].find(
          (r) => columns.has(r[2]) && (r[1] === undefined || r[1] === alias || r[1] === table),
        );
        if (columnRef) {
          add('non-immutable-in-update-set', `UPDATE ${table} SET applies ${m[1]}() (not IMMUTABLE) to column ${columnRef[2]}`);
        }
      }
    }

    if (!flowTable) continue;
    // A function that reads our tables, called inside a statement on a flow-scoped table: Citus
    // runs the statement on the shard, and the function's own queries there are nested
    // distributed queries, which it refuses. Call it in a statement of its own.
    for (const m of statement.matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/g)) {
      const graphileWorker = statement.slice(Math.max(0, m.index - 16), m.index) === 'graphile_worker.';
      if (graphileWorker || catalogue.readsTables.has(m[1])) {
        add('nested-distributed-call', `${m[1]}() reads tables and is called inside a statement on ${flowTable}`);
      }
    }
    // FOR UPDATE / FOR SHARE on a flow-scoped table must name the shard: Citus runs a lock on one
    // shard only (a router query), so it needs partition_key equal to a value. A join on
    // partition_key alone names no shard, and a fenced subquery (OFFSET, LIMIT: one the planner
    // does not pull up) must name it itself, as Citus plans it apart (tried on the cluster).
    if (/\bfor\s+(no\s+key\s+)?(update|share)\b/.test(statement)) {
      const relations = relationAliases(statement, allTables);
      if (!PARTITION_FILTER.test(statement))
        add('lock-without-partition-key', `locks rows of ${flowTable} without a partition_key filter`);
      else if (!hasPartitionValue(statement, relations))
        add(
          'lock-without-partition-key',
          `locks rows of ${flowTable} with partition_key compared with columns only: compare it with a value (parameter, variable, constant)`,
        );
      else {
        for (const m of statement.matchAll(/\(\s*select\b/g)) {
          const inner = parenthesised(statement, m.index);
          const innerTable = mentionsTable(inner, catalogue.flowTables);
          if (innerTable && /\b(offset|limit)\b/.test(inner) && !hasPartitionValue(inner, relations)) {
            add(
              'lock-without-partition-key',
              `a locking statement has a fenced subquery (OFFSET/LIMIT) over ${innerTable} without partition_key equal to a value`,
            );
            break;
          }
        }
      }
    }
    // A statement meant for one shard (partition_key equal to a value) runs there only if each
    // subquery Citus plans apart names that shard too: a fenced one (OFFSET, LIMIT) and one inside
    // UPDATE ... SET. Correlated on the column alone, the fenced subquery is refused ("cannot push
    // down this subquery": ff_explain_execution's probe) and the UPDATE runs on every shard
    // (_resolve_edges' cancel_siblings list: 32 tasks per completion). Locking statements are the
    // rule above's.
    const relations = relationAliases(statement, allTables);
    if (!/\bfor\s+(no\s+key\s+)?(update|share)\b/.test(statement) && hasPartitionValue(statement, relations)) {
      const set = update && catalogue.flowTables.has(update[1]) ? statement.indexOf(' set ', update.index) : -1;
      const setEnd = set < 0 ? -1 : clauseEnd(statement, set + 5, /^(from|where|returning)\b/);
      for (const m of statement.matchAll(/\(\s*select\b/g)) {
        const inner = parenthesised(statement, m.index);
        const innerTable = mentionsTable(inner, catalogue.flowTables);
        if (!innerTable || hasPartitionValue(inner, relations)) continue;
        const inSet = set >= 0 && m.index > set && m.index < setEnd;
        if (inSet || /\b(offset|limit)\b/.test(inner)) {
          add(
            'shard-subquery-without-value',
            `a subquery over ${innerTable} ${inSet ? 'inside UPDATE ... SET' : 'fenced by OFFSET/LIMIT'} in a statement for one shard compares partition_key with no value: compare it with the statement's value`,
          );
          break;
        }
      }
    }
    // INSERT ... VALUES into a flow-scoped table with a subquery among the values: Citus refuses it
    // ("subqueries are not supported within INSERT queries": _resolve_edges' log row, on the
    // cluster). Compute the value first (SELECT ... INTO a variable), then insert it.
    const insertValues = /\binsert\s+into\s+(?:flowfabric\.)?([a-z_][a-z0-9_]*)\b[^;]*?\bvalues\b/.exec(statement);
    if (insertValues && catalogue.flowTables.has(insertValues[1])) {
      if (/\(\s*select\b/.test(statement.slice(insertValues.index + insertValues[0].length)))
        add(
          'subquery-in-insert-values',
          `INSERT INTO ${insertValues[1]} ... VALUES holds a subquery: compute it into a variable first`,
        );
    }
    // A recursive CTE over a flow-scoped table: both its seed and its step must name the shard.
    if (/\bwith\s+recursive\b/.test(statement)) {
      const unions = statement.split(/\bunion(?:\s+all)?\b/);
      for (const part of unions) {
        const table = mentionsTable(part, catalogue.flowTables);
        if (table && !PARTITION_FILTER.test(part)) {
          add('recursive-cte-without-partition-key', `recursive CTE reads ${table} without a partition_key filter`);
          break;
        }
      }
    }
    // A data-modifying CTE inserting into a table whose key is an identity: one statement per shard.
    for (const m of statement.matchAll(
      /\bas\s+(?:not\s+)?(?:materialized\s+)?\(\s*insert\s+into\s+(?:flowfabric\.)?([a-z_][a-z0-9_]*)/g,
    )) {
      if (catalogue.identityTables.has(m[1]))
        add('identity-insert-in-cte', `a CTE inserts into ${m[1]}, whose key is an identity`);
    }
    if (/^with\b/.test(statement)) {
      const main = /\)\s*insert\s+into\s+(?:flowfabric\.)?([a-z_][a-z0-9_]*)[^()]*$/.exec(statement.replace(/\([^()]*\)/g, '()'));
      if (main && catalogue.identityTables.has(main[1]) && /\b(update|insert|delete)\b/.test(statement.slice(0, main.index))) {
        add('identity-insert-in-cte', `INSERT into ${main[1]} (identity key) fed by a data-modifying CTE`);
      }
    }
    // A subquery over a flow-scoped table correlated with the outer query but not on partition_key.
    for (const m of statement.matchAll(/\(\s*select\b/g)) {
      const inner = parenthesised(statement, m.index);
      const innerTable = mentionsTable(inner, catalogue.flowTables);
      if (!innerTable) continue;
      const innerAliases = aliases(inner, allTables);
      const outer = statement.slice(0, m.index) + statement.slice(m.index + inner.length + 2);
      const outerAliases = aliases(outer, catalogue.flowTables);
      const correlated = [...inner.matchAll(/\b([a-z_][a-z0-9_]*)\.[a-z_]/g)].some(
        (r) => outerAliases.has(r[1]) && !innerAliases.has(r[1]),
      );
      if (correlated && !PARTITION_FILTER.test(inner)) {
        add(
          'correlated-subquery-without-partition-key',
          `a subquery over ${innerTable} is correlated with the outer query without a partition_key condition`,
        );
      }
    }
  }
  return findings;
}

/** Every violation of the distribution rules in schema `schema` of the connected database. */
export async function citusFindings(db: Db, schema = 'flowfabric'): Promise<CitusFinding[]> {
  const catalogue = await readCatalogue(db, schema);
  const findings: CitusFinding[] = [];

  const { rows: indexes } = await db.query(
    `SELECT i.indexrelid::regclass::text AS index_name, c.relname::text AS table_name,
            bool_or(a.attname = 'partition_key') AS has_partition_key
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
      WHERE c.relnamespace = $1::regnamespace AND i.indisunique
      GROUP BY 1, 2 ORDER BY 1`,
    [schema],
  );
  for (const index of indexes) {
    if (catalogue.flowTables.has(index.table_name) && !index.has_partition_key) {
      findings.push({
        rule: 'unique-without-partition-key',
        object: index.index_name,
        message: `unique index on ${index.table_name} without partition_key: Citus cannot enforce it across shards`,
      });
    }
  }

  const { rows: functions } = await db.query(
    `SELECT p.oid::regprocedure::text AS label, l.lanname::text AS language, p.prosrc AS source,
            coalesce(p.proconfig, '{}') AS config
       FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
      WHERE p.pronamespace = $1::regnamespace AND p.prokind = 'f'
      ORDER BY 1`,
    [schema],
  );
  for (const fn of functions) {
    const body = blankedSource(fn.source);
    // Only where it reaches a distributed table: Graphile Worker's tables stay on the coordinator.
    const generic = (fn.config as string[]).some(
      (s) => s.replace(/\s/g, '').toLowerCase() === 'plan_cache_mode=force_generic_plan',
    );
    if (generic && mentionsTable(body, catalogue.flowTables)) {
      findings.push({
        rule: 'force-generic-plan',
        object: fn.label,
        message: 'SET plan_cache_mode = force_generic_plan: Citus cannot build a distributed plan from a generic one',
      });
    }
    if (fn.language === 'sql') {
      const table = mentionsTable(body, new Set(catalogue.columns.keys()));
      if (table)
        findings.push({
          rule: 'sql-function-on-tables',
          object: fn.label,
          message: `LANGUAGE sql over ${table}: write it in PL/pgSQL`,
        });
    }
    if (fn.language === 'sql' || fn.language === 'plpgsql') findings.push(...checkBody(fn.label, body, catalogue));
  }
  return findings;
}
