// Fixtures for the client tests, built with the generated client itself.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { addExecutionToFlow, createExecution, createFlow, stageDependencyEdge, type Queryable } from '../../src/index.js';

/** A flow a -> b -> c: three members, two staged (not applied) edges, graph_revision 5. */
export interface SmallFlow {
  flowId: string;
  partition: number;
  a: string;
  b: string;
  c: string;
  edgeAB: string;
  edgeBC: string;
  revision: string;
}

export async function createMember(db: Queryable, flowId: string): Promise<string> {
  const [created] = await createExecution(db, { flowId });
  await addExecutionToFlow(db, { flowId, executionId: created!.execution_id });
  return created!.execution_id;
}

export async function smallFlow(db: Queryable, flowId: string = randomUUID()): Promise<SmallFlow> {
  const [flow] = await createFlow(db, { flowId });
  const a = await createMember(db, flowId);
  const b = await createMember(db, flowId);
  const c = await createMember(db, flowId);
  const edgeAB = randomUUID();
  const edgeBC = randomUUID();
  await stageDependencyEdge(db, {
    flowId,
    edgeId: edgeAB,
    upstreamExecutionId: a,
    downstreamExecutionId: b,
    expectedGraphRevision: 3,
  });
  const [staged] = await stageDependencyEdge(db, {
    flowId,
    edgeId: edgeBC,
    upstreamExecutionId: b,
    downstreamExecutionId: c,
    expectedGraphRevision: 4,
  });
  return { flowId, partition: flow!.partition_key, a, b, c, edgeAB, edgeBC, revision: staged!.graph_revision };
}

/** How many rows each flowstage table holds: shows that a call wrote nothing, or that a rollback undid it. */
export async function tableCounts(db: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await db.query(`
    SELECT (SELECT count(*) FROM flowfabric.ff_flow_core)::int  AS flows,
           (SELECT count(*) FROM flowfabric.ff_exec_core)::int  AS executions,
           (SELECT count(*) FROM flowfabric.ff_edge)::int       AS edges,
           (SELECT count(*) FROM flowfabric.ff_edge_group)::int AS groups,
           (SELECT count(*) FROM flowfabric.ff_flow_event)::int AS events`);
  return rows[0];
}
